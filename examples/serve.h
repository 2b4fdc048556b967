/*
 * The transport half of the examples, the same for every driver: serve a
 * driver over /dev/fuse (mounting it) or as a virtio-fs device for a VMM
 * (a vhost-user back-end on a unix socket), as the command line says.
 */
#ifndef EXAMPLE_SERVE_H
#define EXAMPLE_SERVE_H

#include <fbr/driver.h>

/*
 * Parse argv, serve drv until unmounted or disconnected; an exit status.
 * name is the program's, for messages and the mount's source and type.
 */
int serve_main(int argc, char **argv, const char *name,
	       const struct fbr_driver *drv);

#endif
