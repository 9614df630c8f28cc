#ifndef CBR_CMPI_SHIM_H
#define CBR_CMPI_SHIM_H
// Open MPI's handles are macros over global structs, which Swift cannot import: one inline function each.
#include <mpi.h>

static inline MPI_Comm _cbr_mpi_comm_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Datatype _cbr_mpi_byte(void) { return MPI_BYTE; }
static inline MPI_Datatype _cbr_mpi_int64(void) { return MPI_INT64_T; }
static inline MPI_Op _cbr_mpi_max(void) { return MPI_MAX; }
static inline void *_cbr_mpi_in_place(void) { return MPI_IN_PLACE; }
static inline MPI_Status *_cbr_mpi_status_ignore(void) { return MPI_STATUS_IGNORE; }
static inline MPI_Errhandler _cbr_mpi_errors_return(void) { return MPI_ERRORS_RETURN; }
static inline int _cbr_mpi_any_source(void) { return MPI_ANY_SOURCE; }
static inline int _cbr_mpi_thread_serialized(void) { return MPI_THREAD_SERIALIZED; }
static inline int _cbr_mpi_max_error_string(void) { return MPI_MAX_ERROR_STRING; }

#endif
