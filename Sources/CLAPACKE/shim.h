// LAPACKE, the C interface to LAPACK (Debian's liblapacke-dev): the eigen-decompositions and the Cholesky
// solves behind whitening and the trained head. Swift calls them only through LinearAlgebra/LAPACK.swift.
#pragma once
#include <lapacke.h>

/// LAPACK_ROW_MAJOR / LAPACK_COL_MAJOR are macros; Swift sees these instead.
static inline int _cbr_lapack_col_major(void) { return LAPACK_COL_MAJOR; }
