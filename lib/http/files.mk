# lib/http: the HTTP/1.1 server (include/kiln/http.h). Paths relative to
# the repository root.
#
# HTTP_PARSE_SRCS: the request-head parser and HTTP-dates, pure functions
# over views (with the fuzz target and the unit tests). HTTP_SRCS: what an
# image links; freestanding (string.h, the snprintf family, kiln headers).
# HTTP_HOST_SRCS / HTTP_HOST_LDLIBS: the build-time site generator
# (manifest `generate`), a host program linked with zlib.
HTTP_PARSE_SRCS = \
	lib/http/parse.c

HTTP_SRCS = $(HTTP_PARSE_SRCS) \
	lib/http/api.c \
	lib/http/conn.c \
	lib/http/date.c \
	lib/http/out.c \
	lib/http/serve.c

HTTP_HOST_SRCS = lib/http/gen/site_gen.c
HTTP_HOST_LDLIBS = -lz
