// VendoHTTPServer: placeholder until its issue lands.
