/*
 * control.h - XS_CONTROL (Dom0 only): xenstored's own commands, as
 * xenstore-control sends them. The command set is implementation-specific
 * (xenstore.txt); ours follows C xenstored's names where it has them:
 *   check             checks the tree's consistency, logs what is wrong: OK
 *   log on|off        debug logging on or off: OK
 *   logfile <file>    log to <file> from now on: OK
 *   print <string>    writes <string> to the log: OK
 *   memreport         logs node and connection counts: OK
 *   quota [<domid>]   the quota table, or one domain's usage, as text
 *   help              the list of commands, as text
 * An unknown command or a wrong number of arguments is EINVAL.
 */
#ifndef XS_CONTROL_H
#define XS_CONTROL_H

#include "core.h"

int control_do_control(struct connection *c, const struct request *r);

/* Walks the tree from "/" and checks that every listed child exists and
 * every node is reachable; logs each problem and returns their number. */
unsigned int control_check_store(void);

#endif
