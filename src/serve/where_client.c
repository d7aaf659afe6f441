// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * memsnoop where [--listen ADDR:PORT] PID ADDR: the client a person types, for a memsnoop
 * running with --listen. Its arguments are checked here first (a typo is a usage error, not
 * a request); the server's answer goes to stdout, a refusal's one line to stderr.
 */
#include <curl/curl.h>
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "log.h"
#include "server.h"
#include "units.h"
#include "where.h"

#define WHERE_TIMEOUT_S 10

static size_t collect_body(char *data, size_t size, size_t n, void *ctx)
{
	return fwrite(data, size, n, ctx) * size;
}

static int check_args(const char *listen, const char *pid, const char *addr)
{
	struct sockaddr_storage sa;
	bool loopback;
	uint64_t v;
	char *end;
	long p;

	if (server_parse_addr(listen, &sa, &loopback)) {
		pr_warn("invalid --listen '%s': expected ADDR:PORT such as 127.0.0.1:6060\n", listen);
		return -EINVAL;
	}
	errno = 0;
	p = strtol(pid, &end, 10);
	if (errno || end == pid || *end || p < 1 || p > 0x3fffffff) {
		pr_warn("invalid PID '%s': expected a process ID\n", pid);
		return -EINVAL;
	}
	if (parse_address(addr, &v)) {
		pr_warn("invalid address '%s': expected a number such as 0x55d0c0a012a8\n", addr);
		return -EINVAL;
	}
	return 0;
}

/* GET url: the body into *body, the status into *status. 0 or -EIO after saying why. */
static int get(const char *url, const char *listen, char **body, long *status)
{
	size_t len = 0;
	FILE *f = open_memstream(body, &len);
	CURL *curl = curl_easy_init();
	CURLcode rc = CURLE_FAILED_INIT;

	if (f && curl) {
		curl_easy_setopt(curl, CURLOPT_URL, url);
		curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect_body);
		curl_easy_setopt(curl, CURLOPT_WRITEDATA, f);
		curl_easy_setopt(curl, CURLOPT_TIMEOUT, (long)WHERE_TIMEOUT_S);
		curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http");
		rc = curl_easy_perform(curl);
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, status);
	}
	if (curl)
		curl_easy_cleanup(curl);
	if (f)
		fclose(f);
	if (rc != CURLE_OK) {
		pr_warn("cannot ask memsnoop at %s (is it running with --listen %s?): %s\n", listen,
			listen, curl_easy_strerror(rc));
		return -EIO;
	}
	return 0;
}

int where_client__run(int argc, char **argv)
{
	static const struct option opts[] = { { "listen", required_argument, NULL, 'l' },
					      { "help", no_argument, NULL, 'h' },
					      {} };
	const char *listen = WHERE_DEFAULT_LISTEN;
	char url[256], *body = NULL;
	long status = 0;
	int opt, ret;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		if (opt == 'h') {
			printf("Usage: memsnoop where [--listen ADDR:PORT] PID ADDR\n"
			       "Asks a memsnoop running with --listen (default %s) which live block\n"
			       "of PID holds ADDR, and where it was allocated.\n",
			       WHERE_DEFAULT_LISTEN);
			return 0;
		}
		if (opt != 'l') {
			pr_warn("usage: memsnoop where [--listen ADDR:PORT] PID ADDR\n");
			return 2;
		}
		listen = optarg;
	}
	if (argc - optind != 2) {
		pr_warn("where needs a PID and an address: memsnoop where [--listen ADDR:PORT] PID ADDR\n");
		return 2;
	}
	if (check_args(listen, argv[optind], argv[optind + 1]))
		return 2;
	snprintf(url, sizeof(url), "http://%s%s?pid=%s&addr=%s", listen, WHERE_PATH, argv[optind],
		 argv[optind + 1]);
	if (get(url, listen, &body, &status)) {
		free(body);
		return 1;
	}
	if (status == 200) {
		fputs(body, stdout);
		ret = 0;
	} else {
		/* the server's refusal is one line already */
		fprintf(stderr, "memsnoop: %s", body && *body ? body : "no answer\n");
		ret = 1;
	}
	free(body);
	return ret;
}
