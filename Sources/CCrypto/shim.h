// OpenSSL's libcrypto, for SHA-256 through the EVP digest interface (checksums of model checkpoints).
#pragma once
#include <openssl/evp.h>
