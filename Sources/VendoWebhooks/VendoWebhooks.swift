// VendoWebhooks: placeholder until its issue lands.
