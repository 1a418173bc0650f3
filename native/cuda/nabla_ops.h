// Nabla's op codes for the CUDA kernels: generated from the Java enums by
// dev.nabla.backend.cuda.CudaOpHeader (make ptx); do not edit. Codes are ordinals.
#ifndef NABLA_OPS_H
#define NABLA_OPS_H

// dev.nabla.backend.UnaryOp
#define NABLA_UNARY_NEG 0
#define NABLA_UNARY_EXP 1
#define NABLA_UNARY_LOG 2
#define NABLA_UNARY_SQRT 3
#define NABLA_UNARY_RSQRT 4
#define NABLA_UNARY_ABS 5
#define NABLA_UNARY_SIGN 6
#define NABLA_UNARY_SQUARE 7
#define NABLA_UNARY_RECIPROCAL 8
#define NABLA_UNARY_POW_SCALAR 9
#define NABLA_UNARY_ADD_SCALAR 10
#define NABLA_UNARY_MUL_SCALAR 11
#define NABLA_UNARY_RSUB_SCALAR 12
#define NABLA_UNARY_RDIV_SCALAR 13
#define NABLA_UNARY_CLAMP 14
#define NABLA_UNARY_RELU 15
#define NABLA_UNARY_LEAKY_RELU 16
#define NABLA_UNARY_ELU 17
#define NABLA_UNARY_SIGMOID 18
#define NABLA_UNARY_TANH 19
#define NABLA_UNARY_GELU_TANH 20
#define NABLA_UNARY_SOFTPLUS 21
#define NABLA_UNARY_SILU 22
#define NABLA_UNARY_ERF 23
#define NABLA_UNARY_GT_SCALAR 24
#define NABLA_UNARY_LT_SCALAR 25
#define NABLA_UNARY_EQ_SCALAR 26
#define NABLA_UNARY_HARDSWISH 27

// dev.nabla.backend.BinaryOp
#define NABLA_BINARY_ADD 0
#define NABLA_BINARY_SUB 1
#define NABLA_BINARY_MUL 2
#define NABLA_BINARY_DIV 3
#define NABLA_BINARY_POW 4
#define NABLA_BINARY_MAXIMUM 5
#define NABLA_BINARY_MINIMUM 6
#define NABLA_BINARY_EQ 7
#define NABLA_BINARY_GT 8
#define NABLA_BINARY_GE 9
#define NABLA_BINARY_LT 10
#define NABLA_BINARY_LE 11

// dev.nabla.backend.ReduceOp
#define NABLA_REDUCE_SUM 0
#define NABLA_REDUCE_MEAN 1
#define NABLA_REDUCE_MAX 2
#define NABLA_REDUCE_MIN 3
#define NABLA_REDUCE_ARGMAX 4
#define NABLA_REDUCE_ARGMIN 5

#endif
