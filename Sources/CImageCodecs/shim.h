// libjpeg-turbo's TurboJPEG API and libpng.
#pragma once
#include <setjmp.h>
#include <string.h>
#include <turbojpeg.h>
#include <png.h>

// libpng reports errors by longjmp, and Swift cannot call setjmp. Each libpng step that may fail runs
// inside one of the tiny wrappers below, which catch the jump and return -1 (the message is kept in the
// reader). The compressed bytes come from memory through a C callback, so a jump never crosses a Swift frame.

typedef struct {
    const unsigned char *data;
    size_t size;
    size_t offset;
    int ranOutOfData;
    char message[200];
} cbr_png_reader;

static inline void _cbr_png_error(png_structp png, png_const_charp message) {
    cbr_png_reader *reader = (cbr_png_reader *)png_get_error_ptr(png);
    if (reader != NULL) {
        strncpy(reader->message, message != NULL ? message : "libpng error", sizeof reader->message - 1);
        reader->message[sizeof reader->message - 1] = 0;
    }
    png_longjmp(png, 1);
}

static inline void _cbr_png_warning(png_structp png, png_const_charp message) {
    (void)png;
    (void)message;
}

static inline void _cbr_png_read_data(png_structp png, png_bytep out, size_t count) {
    cbr_png_reader *reader = (cbr_png_reader *)png_get_io_ptr(png);
    if (count > reader->size - reader->offset) {
        reader->ranOutOfData = 1;
        png_error(png, "unexpected end of file");
    }
    memcpy(out, reader->data + reader->offset, count);
    reader->offset += count;
}

static inline png_structp _cbr_png_create(cbr_png_reader *reader) {
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, reader, _cbr_png_error, _cbr_png_warning);
    if (png != NULL) png_set_read_fn(png, reader, _cbr_png_read_data);
    return png;
}

static inline int _cbr_png_read_info(png_structp png, png_infop info) {
    if (setjmp(png_jmpbuf(png))) return -1;
    png_read_info(png, info);
    return 0;
}

// One byte per sample below 8 bits (grey levels scaled to 0...255, palette indices kept); interlaced images
// are delivered pass by pass (the caller places the pixels); 16-bit samples, palettes, alpha and tRNS are left
// to the caller.
static inline int _cbr_png_prepare(png_structp png, png_infop info) {
    if (setjmp(png_jmpbuf(png))) return -1;
    if (png_get_bit_depth(png, info) < 8) {
        if (png_get_color_type(png, info) == PNG_COLOR_TYPE_GRAY) png_set_expand_gray_1_2_4_to_8(png);
        else png_set_packing(png);
    }
    png_read_update_info(png, info);
    return 0;
}

// The next row (of the current Adam7 pass when interlaced) into `row`, which holds png_get_rowbytes bytes.
static inline int _cbr_png_read_row(png_structp png, png_bytep row) {
    if (setjmp(png_jmpbuf(png))) return -1;
    png_read_row(png, row, NULL);
    return 0;
}

static inline int _cbr_png_read_end(png_structp png, png_infop info) {
    if (setjmp(png_jmpbuf(png))) return -1;
    png_read_end(png, info);
    return 0;
}
