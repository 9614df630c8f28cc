// zlib, for its CRC-32 (the shard checksum; the same value Python's zlib.crc32 gives).
#pragma once
#include <zlib.h>
