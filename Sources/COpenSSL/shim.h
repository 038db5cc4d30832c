#ifndef C_OPENSSL_SHIM_H
#define C_OPENSSL_SHIM_H
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/crypto.h>
#include <openssl/core_names.h>
#include <openssl/params.h>
#include <openssl/rand.h>

/*
 * HMAC-SHA256 helpers for the Swift side. Building OSSL_PARAM arrays and
 * juggling three updates from Swift costs more code than it is worth, so the
 * two hot operations live here as static inline functions.
 */

/* A context keyed with `key` (may be empty), ready to be duplicated per message.
 * Returns NULL when libcrypto cannot provide HMAC or SHA-256 (e.g. a restricted
 * provider configuration). The caller frees it with EVP_MAC_CTX_free. */
static inline EVP_MAC_CTX *vendo_hmac_sha256_new(const unsigned char *key, size_t key_len) {
    static const unsigned char empty_key = 0;
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    if (mac == NULL) return NULL;
    EVP_MAC_CTX *ctx = EVP_MAC_CTX_new(mac);
    EVP_MAC_free(mac); /* the context holds its own reference */
    if (ctx == NULL) return NULL;
    char digest[] = "SHA256";
    OSSL_PARAM params[2];
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0);
    params[1] = OSSL_PARAM_construct_end();
    /* A NULL key would mean "keep the previous key"; an empty key must be explicit. */
    if (!EVP_MAC_init(ctx, key != NULL ? key : &empty_key, key_len, params)) {
        EVP_MAC_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

/* HMAC over the concatenation a || b || c, computed on a duplicate of the keyed
 * context so `keyed` itself is only ever read (safe from several threads).
 * Writes 32 bytes to `out`; returns 1 on success, 0 on failure. */
static inline int vendo_hmac_sha256_3(const EVP_MAC_CTX *keyed,
                                      const void *a, size_t a_len,
                                      const void *b, size_t b_len,
                                      const void *c, size_t c_len,
                                      unsigned char *out) {
    EVP_MAC_CTX *ctx = EVP_MAC_CTX_dup(keyed);
    if (ctx == NULL) return 0;
    size_t out_len = 0;
    int ok = (a_len == 0 || EVP_MAC_update(ctx, (const unsigned char *)a, a_len))
          && (b_len == 0 || EVP_MAC_update(ctx, (const unsigned char *)b, b_len))
          && (c_len == 0 || EVP_MAC_update(ctx, (const unsigned char *)c, c_len))
          && EVP_MAC_final(ctx, out, &out_len, 32);
    EVP_MAC_CTX_free(ctx);
    return ok && out_len == 32;
}

#endif
