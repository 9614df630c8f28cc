// HDF5's C API. Its type, property-list and access-flag macros expand to global variables or
// function calls that Swift cannot import, so each one used by cbr is exposed as a tiny inline function.
#pragma once
#include <hdf5.h>
#include <string.h>

static inline hid_t _cbr_H5P_DEFAULT(void) { return H5P_DEFAULT; }
static inline hid_t _cbr_H5S_ALL(void) { return H5S_ALL; }
static inline unsigned _cbr_H5F_ACC_RDONLY(void) { return H5F_ACC_RDONLY; }
static inline unsigned _cbr_H5F_ACC_RDWR(void) { return H5F_ACC_RDWR; }
static inline unsigned _cbr_H5F_ACC_TRUNC(void) { return H5F_ACC_TRUNC; }
static inline unsigned _cbr_H5F_ACC_EXCL(void) { return H5F_ACC_EXCL; }
static inline hid_t _cbr_H5T_NATIVE_FLOAT(void) { return H5T_NATIVE_FLOAT; }
static inline hid_t _cbr_H5T_NATIVE_DOUBLE(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t _cbr_H5T_NATIVE_INT32(void) { return H5T_NATIVE_INT32; }
static inline hid_t _cbr_H5T_NATIVE_INT64(void) { return H5T_NATIVE_INT64; }
static inline hid_t _cbr_H5T_NATIVE_UINT8(void) { return H5T_NATIVE_UINT8; }
static inline hid_t _cbr_H5T_C_S1(void) { return H5T_C_S1; }
static inline hid_t _cbr_H5T_IEEE_F32LE(void) { return H5T_IEEE_F32LE; }
static inline hid_t _cbr_H5P_DATASET_CREATE(void) { return H5P_DATASET_CREATE; }
static inline hsize_t _cbr_H5S_UNLIMITED(void) { return H5S_UNLIMITED; }
static inline size_t _cbr_H5T_VARIABLE(void) { return H5T_VARIABLE; }
/// Turns off HDF5's automatic printing of error stacks for the calling thread (the thread-safe build keeps
/// one error stack, and one printing setting, per thread); failures surface as Swift errors instead.
/// Cheap after the first call on a thread.
static inline void _cbr_H5_silence_errors_on_this_thread(void) {
    static __thread int silenced = 0;
    if (!silenced) {
        H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
        silenced = 1;
    }
}
static inline hid_t _cbr_H5E_DEFAULT(void) { return H5E_DEFAULT; }
static inline hid_t _cbr_H5P_FILE_ACCESS(void) { return H5P_FILE_ACCESS; }
static inline hid_t _cbr_H5P_LINK_CREATE(void) { return H5P_LINK_CREATE; }
static inline hid_t _cbr_H5T_NATIVE_INT8(void) { return H5T_NATIVE_INT8; }
static inline hid_t _cbr_H5T_NATIVE_INT16(void) { return H5T_NATIVE_INT16; }
static inline hid_t _cbr_H5T_NATIVE_UINT16(void) { return H5T_NATIVE_UINT16; }
static inline hid_t _cbr_H5T_NATIVE_UINT32(void) { return H5T_NATIVE_UINT32; }
static inline hid_t _cbr_H5T_NATIVE_UINT64(void) { return H5T_NATIVE_UINT64; }
static inline hid_t _cbr_H5T_STD_I8LE(void) { return H5T_STD_I8LE; }
static inline hid_t _cbr_H5T_STD_I16LE(void) { return H5T_STD_I16LE; }
static inline hid_t _cbr_H5T_STD_I32LE(void) { return H5T_STD_I32LE; }
static inline hid_t _cbr_H5T_STD_I64LE(void) { return H5T_STD_I64LE; }
static inline hid_t _cbr_H5T_STD_U8LE(void) { return H5T_STD_U8LE; }
static inline hid_t _cbr_H5T_STD_U16LE(void) { return H5T_STD_U16LE; }
static inline hid_t _cbr_H5T_STD_U32LE(void) { return H5T_STD_U32LE; }
static inline hid_t _cbr_H5T_STD_U64LE(void) { return H5T_STD_U64LE; }
static inline hid_t _cbr_H5T_IEEE_F64LE(void) { return H5T_IEEE_F64LE; }

/// Keeps the outermost (first) and innermost (last) descriptions of an error-stack walk in the
/// `char[1024]` passed as client data: bytes 0..<512 and 512..<1024, each NUL-terminated, cut if longer.
static inline herr_t _cbr_H5E_keep_ends(unsigned n, const H5E_error2_t *err, void *data) {
    if (err->desc == NULL || err->desc[0] == '\0') return 0;
    char *slot = (char *)data + (n == 0 ? 0 : 512);
    strncpy(slot, err->desc, 511);
    slot[511] = '\0';
    return 0;
}

/// Writes the current error stack's outermost description (the API call) into `buffer[0..<512]` and its
/// innermost cause into `buffer[512..<1024]` (empty when the stack has one entry), then clears the stack.
static inline void _cbr_H5E_collect(char *buffer) {
    buffer[0] = '\0';
    buffer[512] = '\0';
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, _cbr_H5E_keep_ends, buffer);
    H5Eclear2(H5E_DEFAULT);
}

/// IEEE 754 binary16, little-endian: HDF5 1.10 has no predefined half type, so derive it from float32
/// the way h5py does (sign bit 15, exponent bits 10-14, mantissa bits 0-9, bias 15). Caller closes it.
static inline hid_t _cbr_H5T_half_create(void) {
    hid_t t = H5Tcopy(H5T_IEEE_F32LE);
    if (t < 0) return t;
    if (H5Tset_fields(t, 15, 10, 5, 0, 10) < 0 || H5Tset_size(t, 2) < 0 || H5Tset_ebias(t, 15) < 0
        || H5Tset_precision(t, 16) < 0) {
        H5Tclose(t);
        return -1;
    }
    return t;
}
