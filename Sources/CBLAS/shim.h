// OpenBLAS's CBLAS interface (cblas_sgemm, openblas_set_num_threads).
#pragma once
#include <cblas.h>
