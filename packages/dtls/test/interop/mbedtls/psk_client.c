/*
 * A DTLS 1.2 PSK client on mbedTLS 2.28 with its default settings (as field LwM2M clients built on it
 * use them): connects, sends one line, prints the reply. Optionally saves the session and resumes it
 * on a second connection. Built by test/interop/mbedtls.test.ts into a temporary directory.
 *
 *   psk_client <host> <port> <identity> <hex-key> <message> [resume]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/ssl.h>
#include <mbedtls/timing.h>

static int hex_decode(const char *hex, unsigned char *out, size_t max) {
  size_t n = strlen(hex) / 2;
  if (n > max) return -1;
  for (size_t i = 0; i < n; i++) {
    unsigned int b;
    if (sscanf(hex + 2 * i, "%2x", &b) != 1) return -1;
    out[i] = (unsigned char)b;
  }
  return (int)n;
}

static int one_connection(const char *host, const char *port, mbedtls_ssl_config *conf, mbedtls_ssl_session *saved, int resume, const char *msg, int round) {
  mbedtls_net_context net;
  mbedtls_ssl_context ssl;
  mbedtls_timing_delay_context timer;
  mbedtls_net_init(&net);
  mbedtls_ssl_init(&ssl);
  int ret = mbedtls_net_connect(&net, host, port, MBEDTLS_NET_PROTO_UDP);
  if (ret != 0) { printf("connect failed -0x%x\n", -ret); return 1; }
  if ((ret = mbedtls_ssl_setup(&ssl, conf)) != 0) { printf("setup failed -0x%x\n", -ret); return 1; }
  mbedtls_ssl_set_timer_cb(&ssl, &timer, mbedtls_timing_set_delay, mbedtls_timing_get_delay);
  mbedtls_ssl_set_bio(&ssl, &net, mbedtls_net_send, mbedtls_net_recv, mbedtls_net_recv_timeout);
  if (resume && round == 2 && (ret = mbedtls_ssl_set_session(&ssl, saved)) != 0) { printf("set_session failed -0x%x\n", -ret); return 1; }
  do ret = mbedtls_ssl_handshake(&ssl);
  while (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE);
  if (ret != 0) { printf("handshake failed -0x%x\n", -ret); return 1; }
  printf("round %d: handshake ok, %s, ciphersuite %s\n", round, mbedtls_ssl_get_version(&ssl), mbedtls_ssl_get_ciphersuite(&ssl));
  if (resume && round == 1 && (ret = mbedtls_ssl_get_session(&ssl, saved)) != 0) { printf("get_session failed -0x%x\n", -ret); return 1; }
  do ret = mbedtls_ssl_write(&ssl, (const unsigned char *)msg, strlen(msg));
  while (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE);
  if (ret < 0) { printf("write failed -0x%x\n", -ret); return 1; }
  unsigned char buf[512];
  mbedtls_ssl_conf_read_timeout(conf, 5000);
  do ret = mbedtls_ssl_read(&ssl, buf, sizeof(buf) - 1);
  while (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE);
  if (ret <= 0) { printf("read failed -0x%x\n", -ret); return 1; }
  buf[ret] = 0;
  printf("round %d: reply %s\n", round, buf);
  mbedtls_ssl_close_notify(&ssl);
  mbedtls_net_free(&net);
  mbedtls_ssl_free(&ssl);
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 6) { fprintf(stderr, "usage: %s host port identity hexkey message [resume]\n", argv[0]); return 2; }
  int resume = argc > 6 && strcmp(argv[6], "resume") == 0;
  unsigned char psk[64];
  int psk_len = hex_decode(argv[4], psk, sizeof(psk));
  if (psk_len <= 0) return 2;
  mbedtls_entropy_context entropy;
  mbedtls_ctr_drbg_context drbg;
  mbedtls_ssl_config conf;
  mbedtls_ssl_session saved;
  mbedtls_entropy_init(&entropy);
  mbedtls_ctr_drbg_init(&drbg);
  mbedtls_ssl_config_init(&conf);
  mbedtls_ssl_session_init(&saved);
  if (mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy, NULL, 0) != 0) return 1;
  if (mbedtls_ssl_config_defaults(&conf, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_DATAGRAM, MBEDTLS_SSL_PRESET_DEFAULT) != 0) return 1;
  mbedtls_ssl_conf_rng(&conf, mbedtls_ctr_drbg_random, &drbg);
  mbedtls_ssl_conf_psk(&conf, psk, (size_t)psk_len, (const unsigned char *)argv[3], strlen(argv[3]));
  mbedtls_ssl_conf_handshake_timeout(&conf, 1000, 8000);
  mbedtls_ssl_conf_read_timeout(&conf, 5000);
  if (one_connection(argv[1], argv[2], &conf, &saved, resume, argv[5], 1) != 0) return 1;
  if (resume && one_connection(argv[1], argv[2], &conf, &saved, resume, argv[5], 2) != 0) return 1;
  return 0;
}
