// OpenBLAS's CBLAS interface (cblas_sgemm, openblas_set_num_threads) and LAPACKE.
#pragma once
#include <cblas.h>
#include <lapacke.h>
