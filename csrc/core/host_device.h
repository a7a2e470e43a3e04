// PYNN_HOST_DEVICE marks small inline helpers of the shared headers (random streams, pooling windows) that
// csrc/cuda calls from device code too: one definition for both backends, no twin.
#pragma once

#ifdef __CUDACC__
#define PYNN_HOST_DEVICE __host__ __device__
#else
#define PYNN_HOST_DEVICE
#endif
