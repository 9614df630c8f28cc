// libjpeg-turbo's TurboJPEG API and libpng.
#pragma once
#include <turbojpeg.h>
#include <png.h>
