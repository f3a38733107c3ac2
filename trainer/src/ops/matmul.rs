//! One safe door to the `gemm` crate's strided matrix product (the crate flex's own matmul uses),
//! for kernels whose operands are views into larger buffers: a transposed weight, one sample's
//! columns of an im2col matrix.

/// A `rows × cols` view of `data`: element `(r, c)` at `r · row_stride + c · col_stride`.
#[derive(Debug, Clone, Copy)]
pub(super) struct View<'a> {
    pub data: &'a [f32],
    pub rows: usize,
    pub cols: usize,
    pub row_stride: usize,
    pub col_stride: usize,
}

impl View<'_> {
    /// A row-major `rows × cols` matrix.
    pub fn rows<'a>(data: &'a [f32], rows: usize, cols: usize) -> View<'a> {
        View {
            data,
            rows,
            cols,
            row_stride: cols,
            col_stride: 1,
        }
    }

    /// The transpose, without a copy.
    pub fn t(self) -> Self {
        View {
            rows: self.cols,
            cols: self.rows,
            row_stride: self.col_stride,
            col_stride: self.row_stride,
            ..self
        }
    }

    /// Panics unless every element lies inside `len` values.
    fn check(&self, len: usize, what: &str) {
        if self.rows > 0 && self.cols > 0 {
            let last = (self.rows - 1) * self.row_stride + (self.cols - 1) * self.col_stride;
            assert!(last < len, "matmul: {what} reaches past its buffer");
        }
    }
}

/// The row stride for a buffer of rows of `len` values that products read several rows of side
/// by side: `len`, plus one cache line where `len` values span a multiple of 1 KiB. Rows a
/// multiple of 4 KiB apart fall in the same sets of the L1 cache, and gemm reading a few of them
/// at once (packing an operand whose inner dimension runs along its rows, or reading one it does
/// not pack) evicts its own lines: with rows of 32·1024 values, the convolution's weight
/// gradient ran at a quarter of the speed of the same product on rows one line longer.
pub(super) fn padded_stride(len: usize) -> usize {
    const KIB: usize = 1024 / size_of::<f32>();
    const LINE: usize = 64 / size_of::<f32>();
    if len > 0 && len.is_multiple_of(KIB) {
        len + LINE
    } else {
        len
    }
}

/// Whether the product goes to rayon's threads: `gemm` splits the output between them, never
/// the sum over the inner dimension, so the result is the same on any number of threads.
#[derive(Debug, Clone, Copy)]
pub(super) enum Threads {
    One,
    All,
}

/// `dst = lhs · rhs`, or `dst += lhs · rhs` when `accumulate`; `dst` is row-major with
/// `lhs.rows` rows of `rhs.cols`, starting at `dst[0]` with rows `dst_row_stride` apart.
pub(super) fn matmul(
    dst: &mut [f32],
    dst_row_stride: usize,
    lhs: View,
    rhs: View,
    accumulate: bool,
    threads: Threads,
) {
    assert_eq!(lhs.cols, rhs.rows, "matmul: inner dimensions differ");
    lhs.check(lhs.data.len(), "lhs");
    rhs.check(rhs.data.len(), "rhs");
    let out = View {
        data: dst,
        rows: lhs.rows,
        cols: rhs.cols,
        row_stride: dst_row_stride,
        col_stride: 1,
    };
    out.check(dst.len(), "dst");
    let parallelism = match threads {
        Threads::One => gemm::Parallelism::None,
        Threads::All => gemm::Parallelism::Rayon(0),
    };
    // SAFETY: the three views were checked to lie inside their slices, and `dst` is borrowed
    // mutably, so it overlaps neither operand.
    unsafe {
        gemm::gemm(
            lhs.rows,
            rhs.cols,
            lhs.cols,
            dst.as_mut_ptr(),
            1,
            dst_row_stride as isize,
            accumulate,
            lhs.data.as_ptr(),
            lhs.col_stride as isize,
            lhs.row_stride as isize,
            rhs.data.as_ptr(),
            rhs.col_stride as isize,
            rhs.row_stride as isize,
            // dst = alpha · dst + beta · lhs · rhs (alpha is read only when accumulating).
            1.0,
            1.0,
            false,
            false,
            false,
            parallelism,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::padded_stride;

    #[test]
    fn rows_spanning_a_multiple_of_1_kib_get_one_cache_line_more() {
        assert_eq!(padded_stride(0), 0);
        assert_eq!(padded_stride(255), 255);
        assert_eq!(padded_stride(256), 272);
        assert_eq!(padded_stride(1000), 1000);
        assert_eq!(padded_stride(32 * 1024), 32 * 1024 + 16);
    }
}
