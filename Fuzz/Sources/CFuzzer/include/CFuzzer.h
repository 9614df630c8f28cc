// libFuzzer's driver entry point (compiler-rt's FuzzerInterface.h): runs the fuzzing loop over `callback`
// with libFuzzer's command-line options.
#pragma once
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
