/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* One log function, to stderr, with a verbosity set once from -v. */
#ifndef MEMSNOOP_LOG_H
#define MEMSNOOP_LOG_H

enum log_level {
	LOG_WARN,
	LOG_INFO,
	LOG_DEBUG,
};

void log_set_level(enum log_level level);
enum log_level log_get_level(void);
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define pr_warn(fmt, ...) log_msg(LOG_WARN, fmt, ##__VA_ARGS__)
#define pr_info(fmt, ...) log_msg(LOG_INFO, fmt, ##__VA_ARGS__)
#define pr_debug(fmt, ...) log_msg(LOG_DEBUG, fmt, ##__VA_ARGS__)

#endif /* MEMSNOOP_LOG_H */
