// VendoTesting: placeholder until its issue lands.
