// HDF5's C API. Its type, property-list and access-flag macros expand to global variables or
// function calls that Swift cannot import, so each one used by cbr is exposed as a tiny inline function.
#pragma once
#include <hdf5.h>

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
/// Turns off HDF5's automatic printing of error stacks; failures surface as Swift errors instead.
static inline herr_t _cbr_H5_silence_errors(void) { return H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }
