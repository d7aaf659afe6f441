// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>
#include "creds.h"
#include "log.h"
#include "session.h"

/*
 * Under sudo, the files memsnoop writes belong to the user who invoked it, and the command it
 * launches runs as that user (or --user's), unless --as-root.
 */
int session__choose_users(struct session *s)
{
	struct creds sudo;
	int err = creds__from_sudo(getenv("SUDO_UID"), getenv("SUDO_GID"), getenv("SUDO_USER"),
				   &sudo);

	s->owner = (struct safefile_owner){ (uid_t)-1, (gid_t)-1 };
	if (err == -EINVAL) {
		pr_warn("invalid SUDO_UID or SUDO_GID in the environment: expected numeric ids\n");
		return err;
	}
	if (!err && !geteuid())
		s->owner = (struct safefile_owner){ sudo.uid, sudo.gid };
	if (s->opts.run_as_user) {
		err = creds__from_user(s->opts.run_as_user, &s->run_as);
		if (err)
			pr_warn("--user %s: no such user\n", s->opts.run_as_user);
		s->has_run_as = !err;
		return err;
	}
	s->has_run_as = !err && !geteuid() && !s->opts.as_root;
	if (s->has_run_as)
		s->run_as = sudo;
	return 0;
}
