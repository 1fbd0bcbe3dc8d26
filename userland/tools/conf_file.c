// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * conf_file.c - a tool's options read from a file (the format: conf_file.h).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf_file.h"

struct args {
	char **v;
	int n, cap;
};

/* Appends a copy of s (len bytes); -1 when out of memory. */
static int args_add(struct args *a, const char *s, size_t len)
{
	if (a->n + 2 > a->cap) {
		int cap = a->cap ? 2 * a->cap : 16;
		char **v = realloc(a->v, (size_t)cap * sizeof(*v));

		if (!v)
			return -1;
		a->v = v;
		a->cap = cap;
	}
	a->v[a->n] = strndup(s, len);
	if (!a->v[a->n])
		return -1;
	a->v[++a->n] = NULL;
	return 0;
}

/* The line without its leading and trailing blanks (the line end included). */
static char *trim(char *s, size_t *len)
{
	size_t n = strlen(s);

	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	while (n && isspace((unsigned char)*s)) {
		s++;
		n--;
	}
	*len = n;
	return s;
}

/*
 * One line: nothing for a blank or comment line, else the option and its value (if any).
 * -1 with a message when the line is not an option, -2 when out of memory.
 */
static int parse_line(struct args *a, char *line, const char *tool, const char *path,
		      unsigned int lineno)
{
	size_t len, opt, vlen;
	char *s = trim(line, &len), *val;

	if (len == 0 || *s == '#')
		return 0;
	if (*s != '-') {
		fprintf(stderr, "%s: %s:%u: '%.*s' is not an option (one '-x value' per line)\n",
			tool, path, lineno, (int)len, s);
		return -1;
	}
	for (opt = 0; opt < len && s[opt] != '=' && !isspace((unsigned char)s[opt]); opt++)
		;
	if (args_add(a, s, opt) < 0)
		return -2;
	if (opt == len)
		return 0;
	s[len] = '\0';
	val = s + opt;		/* '=', blanks, or blanks around '=' */
	while (isspace((unsigned char)*val))
		val++;
	if (*val == '=')
		val++;
	val = trim(val, &vlen);
	if (vlen >= 2 && val[0] == '"' && val[vlen - 1] == '"') {
		val++;
		vlen -= 2;
	}
	return vlen && args_add(a, val, vlen) < 0 ? -2 : 0;
}

char **conf_file_args(const char *tool, const char *path, char *argv0, int *argc)
{
	struct args a = { 0 };
	unsigned int lineno = 0;
	char *line = NULL;
	size_t cap = 0;
	int err = 0;
	FILE *f;

	f = fopen(path, "re");
	if (!f) {
		fprintf(stderr, "%s: cannot read the configuration file %s: %s\n", tool, path,
			strerror(errno));
		return NULL;
	}
	if (args_add(&a, argv0, strlen(argv0)) < 0)
		err = -2;
	while (!err && getline(&line, &cap, f) >= 0)
		err = parse_line(&a, line, tool, path, ++lineno);
	if (!err && ferror(f)) {
		fprintf(stderr, "%s: %s: %s\n", tool, path, strerror(errno));
		err = -1;
	}
	free(line);
	fclose(f);
	if (err) {
		if (err == -2)
			fprintf(stderr, "%s: %s: out of memory\n", tool, path);
		conf_file_free(a.v);
		return NULL;
	}
	*argc = a.n;
	return a.v;
}

void conf_file_free(char **argv)
{
	if (!argv)
		return;
	for (char **p = argv; *p; p++)
		free(*p);
	free(argv);
}
