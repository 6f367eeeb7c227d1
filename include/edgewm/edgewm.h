#pragma once
// The edgewm runtime API.
#include "edgewm/dtype.h"
#include "edgewm/error.h"
#include "edgewm/model.h"
#include "edgewm/session.h"
#include "edgewm/shape.h"
#include "edgewm/tensor.h"
