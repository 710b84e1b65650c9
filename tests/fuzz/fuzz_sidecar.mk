# The fetch-curl plugin's sidecar and image-name parsers.
FUZZ_SRCS_fuzz_sidecar := plugins/fetch-curl/names.c
FUZZ_CFLAGS_fuzz_sidecar := -Iplugins/fetch-curl
