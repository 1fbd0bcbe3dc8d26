/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * conf_file.h - a tool's options read from a file, for the tools run as services
 * (zbalance_ipc reads /etc/cluster/cluster.conf, or the file given as its only argument,
 * as today's PF_RING packages write them).
 *
 * One option per line, with its value after '=' or blanks (or both), the value in double
 * quotes or not:
 *
 *   # a comment (a line whose first non-blank character is '#'), and blank lines
 *   -i=eth1,eth2
 *   -c 10
 *   -m="1"
 *   -a
 */
#ifndef PFRING_TOOLS_CONF_FILE_H
#define PFRING_TOOLS_CONF_FILE_H

/*
 * The options in path as an argument vector for getopt(): argv0, then each option and
 * its value as two elements, NULL-terminated; *argc is set to its length.  NULL, after a
 * message on stderr that starts with tool, when the file cannot be read or a line does
 * not start with an option ('-').
 */
char **conf_file_args(const char *tool, const char *path, char *argv0, int *argc);

/* Frees what conf_file_args() returned. */
void conf_file_free(char **argv);

#endif
