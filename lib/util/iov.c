/*
 * Copies between a flat buffer and the iovecs READ and WRITE hand a driver.
 */
#include <string.h>

#include "fbr/driver.h"

size_t fbr_iov_from_buf(const struct iovec *dst, int cnt, const void *buf,
			size_t len)
{
	const char *p = buf;

	for (int i = 0; i < cnt && len; i++) {
		size_t n = dst[i].iov_len < len ? dst[i].iov_len : len;

		memcpy(dst[i].iov_base, p, n);
		p += n;
		len -= n;
	}
	return (size_t)(p - (const char *)buf);
}

size_t fbr_iov_to_buf(void *buf, const struct iovec *src, int cnt, size_t len)
{
	char *p = buf;

	for (int i = 0; i < cnt && len; i++) {
		size_t n = src[i].iov_len < len ? src[i].iov_len : len;

		memcpy(p, src[i].iov_base, n);
		p += n;
		len -= n;
	}
	return (size_t)(p - (char *)buf);
}
