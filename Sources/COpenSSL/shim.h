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

/* A working copy of a keyed context, ready for one message; NULL on failure.
 * The caller frees it with EVP_MAC_CTX_free, or keeps it for
 * vendo_hmac_sha256_3 with `reinit` set. */
static inline EVP_MAC_CTX *vendo_hmac_sha256_copy(const EVP_MAC_CTX *keyed) {
    return EVP_MAC_CTX_dup(keyed);
}

/* HMAC over the concatenation a || b || c on `ctx`, a working copy from
 * vendo_hmac_sha256_copy. A copy used before needs `reinit`: HMAC restarts
 * with the key it already holds (EVP_MAC_init with a NULL key), which costs
 * far less than a fresh copy. Writes 32 bytes to `out`; returns 1 on success,
 * 0 on failure (then the copy should be freed, not reused). */
static inline int vendo_hmac_sha256_3(EVP_MAC_CTX *ctx, int reinit,
                                      const void *a, size_t a_len,
                                      const void *b, size_t b_len,
                                      const void *c, size_t c_len,
                                      unsigned char *out) {
    if (reinit && !EVP_MAC_init(ctx, NULL, 0, NULL)) return 0;
    size_t out_len = 0;
    int ok = (a_len == 0 || EVP_MAC_update(ctx, (const unsigned char *)a, a_len))
          && (b_len == 0 || EVP_MAC_update(ctx, (const unsigned char *)b, b_len))
          && (c_len == 0 || EVP_MAC_update(ctx, (const unsigned char *)c, c_len))
          && EVP_MAC_final(ctx, out, &out_len, 32);
    return ok && out_len == 32;
}

/* For a program that owns its process: keeps libcrypto from loading its
 * error strings at its first use (0.5-1.2 MB resident, measured here with
 * OpenSSL 3.0). A library must not decide this for its host: a later
 * explicit OPENSSL_init_crypto(OPENSSL_INIT_LOAD_CRYPTO_STRINGS) still
 * loads them. Returns 1 on success. */
static inline int vendo_crypto_skip_error_strings(void) {
    return OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CRYPTO_STRINGS, (void *)0);
}

/*
 * Slots for spare working copies: a slot holds one pointer or NULL, and a
 * thread takes or returns a copy with one atomic operation. Each slot sits
 * on its own 64-byte line (see KeyedHMACContext), so threads that keep to
 * different slots do not move each other's cache lines.
 */

/* The pointer in `slot`, leaving NULL; NULL when the slot was empty. */
static inline void *vendo_slot_take(void **slot) {
    return __atomic_exchange_n(slot, (void *)0, __ATOMIC_ACQUIRE);
}

/* Puts `value` into `slot` if it is empty; 1 when it did, 0 when the slot was taken. */
static inline int vendo_slot_put(void **slot, void *value) {
    void *expected = (void *)0;
    return __atomic_compare_exchange_n(slot, &expected, value, 0, __ATOMIC_RELEASE, __ATOMIC_RELAXED);
}

/* Whether `slot` holds a pointer now (for tests and counts). */
static inline int vendo_slot_is_full(void **slot) {
    return __atomic_load_n(slot, __ATOMIC_RELAXED) != (void *)0;
}

#endif
