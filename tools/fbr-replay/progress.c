/*
 * The progress of a long replay, on one line of standard error when that
 * is a terminal: requests done, their rate, and the time left, judged by
 * how much of the file is read.  Nothing at all otherwise, so logs and
 * pipes see the reports alone.  The line appears after half a second, so
 * that a short replay shows none, and is redrawn four times a second.
 */
#include <stdio.h>
#include <unistd.h>

#include "replay.h"

#define FIRST_NS 500000000ULL
#define EVERY_NS 250000000ULL

void progress_init(struct progress *p, uint64_t size)
{
	*p = (struct progress){ .on = isatty(STDERR_FILENO) == 1, .size = size };
	p->start = now_ns();
	p->next = p->start + FIRST_NS;
}

void progress_tick(struct progress *p, uint64_t requests, uint64_t offset)
{
	uint64_t now, spent;
	double rate, left;

	if ((now = now_ns()) < p->next)
		return;
	p->next = now + EVERY_NS;
	spent = now - p->start;
	rate = (double)requests * 1e9 / (double)spent;
	left = offset && p->size > offset ?
	       (double)spent / 1e9 * (double)(p->size - offset) / (double)offset : 0;
	fprintf(stderr, "\r\033[Kfbr-replay: %llu requests, %.0f/s, %.0f%%, "
		"%u:%02u left", (unsigned long long)requests, rate,
		p->size ? 100.0 * (double)offset / (double)p->size : 100.0,
		(unsigned)(left / 60), (unsigned)left % 60);
	p->shown = true;
}

void progress_clear(struct progress *p)
{
	if (!p->shown)
		return;
	fputs("\r\033[K", stderr);
	p->shown = false;
}
