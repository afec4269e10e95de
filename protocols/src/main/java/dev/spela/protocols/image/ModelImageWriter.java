package dev.spela.protocols.image;

import static dev.spela.protocols.image.ModelImage.*;

import dev.spela.protocols.Bounds;
import dev.spela.protocols.checksum.Sha256;
import dev.spela.protocols.storage.FlashRegion;
import dev.spela.protocols.storage.FlashStatus;
import dev.spela.protocols.subset.SteadyState;

/**
 * Writes a v1 model image in canonical layout to a {@link FlashRegion} as a stream, through one
 * buffer: the header is laid out in the buffer ({@link #begin}, then the parameter and per-layer
 * format setters of {@link #header}), then the sections follow in canonical order (for each layer:
 * weights, biases, priors, each followed by {@link #align}), and {@link #finish} appends the
 * SHA-256, which is computed as the bytes go out. The buffer is written to flash whenever it is
 * full, so an image of any size needs only the buffer (at least as long as the header). The target
 * bytes must be erased; nothing allocates after construction.
 */
@SteadyState
public final class ModelImageWriter {

  private final byte[] buffer;
  private final Sha256 sha = new Sha256();
  private final ModelImageEncoder header = new ModelImageEncoder(sha);
  private final byte[] digest = new byte[DIGEST_LENGTH];
  private FlashRegion target;
  private int base;
  private int size;
  private int flushed;
  private int fill;
  private boolean headerSealed;
  private int status;

  /**
   * @param bufferBytes the buffer: a multiple of 8, at least {@code headerLength(layers)} of the
   *     largest model written
   */
  public ModelImageWriter(int bufferBytes) {
    if (bufferBytes < HEADER_FIXED_LENGTH || bufferBytes % 8 != 0) {
      throw new IllegalArgumentException("buffer must be a multiple of 8 holding a fixed header");
    }
    buffer = new byte[bufferBytes];
    header.wrap(buffer, 0, bufferBytes);
    status = ImageStatus.BAD_ARGUMENT; // nothing begun
  }

  public int bufferBytes() {
    return buffer.length;
  }

  /**
   * Starts an image of this shape at {@code target[offset..]} and lays out its header (every
   * parameter zero, formats and fraction bits at their defaults: set them through {@link #header}).
   *
   * @return the image size, or {@link ImageStatus#BAD_SHAPE} (invalid shape, or a header longer
   *     than the buffer) or {@link ImageStatus#BAD_ARGUMENT} (the image does not fit the region)
   */
  public int begin(
      FlashRegion target, int offset, int inputSize, int classes, int[] outputs, int layers) {
    return begin(target, offset, inputSize, classes, outputs, layers, 0);
  }

  /**
   * As {@link #begin(FlashRegion, int, int, int, int[], int)} for an image with header {@code
   * flags}: with {@link ModelImage#FLAG_INPUT_STATISTICS} the caller writes the input statistics
   * after the last layer's sections.
   */
  public int begin(
      FlashRegion target,
      int offset,
      int inputSize,
      int classes,
      int[] outputs,
      int layers,
      int flags) {
    this.target = null;
    status = ImageStatus.BAD_SHAPE;
    header.wrap(buffer, 0, buffer.length);
    int imageSize = header.layoutHeader(inputSize, classes, outputs, layers, flags);
    if (imageSize < 0) {
      return status;
    }
    if (target == null || !FlashStatus.inside(offset, imageSize, target.size())) {
      status = ImageStatus.BAD_ARGUMENT;
      return status;
    }
    this.target = target;
    base = offset;
    size = imageSize;
    flushed = 0;
    fill = headerLength(layers);
    headerSealed = false;
    status = ImageStatus.OK;
    sha.reset();
    return imageSize;
  }

  /** The header being written: set parameters and layer formats before the first section byte. */
  public ModelImageEncoder header() {
    return header;
  }

  /** Bytes written so far, the header included: the position of the next byte in the image. */
  public int position() {
    return flushed + fill;
  }

  public void put16(int v) {
    reserve(2);
    LittleEndian.put16(buffer, fill, v);
    fill += 2;
  }

  public void put32(int v) {
    reserve(4);
    LittleEndian.put32(buffer, fill, v);
    fill += 4;
  }

  /**
   * Appends {@code count} bytes of {@code src[from..]} (such as a section copied from flash);
   * nothing if that range is not in {@code src}.
   */
  public void putBytes(byte[] src, int from, int count) {
    if (!Bounds.within(src, from, count)) {
      return;
    }
    int done = 0;
    while (done < count) {
      reserve(1);
      int n = Math.min(count - done, buffer.length - fill);
      System.arraycopy(src, from + done, buffer, fill, n);
      fill += n;
      done += n;
    }
  }

  /** Pads with zero bytes to the next multiple of 4 (the end of a section). */
  public void align() {
    while ((position() & (SECTION_ALIGNMENT - 1)) != 0) {
      reserve(1);
      buffer[fill++] = 0;
    }
  }

  /**
   * Writes what is buffered and the SHA-256 of everything before it.
   *
   * @return {@link ImageStatus#OK}; {@link ImageStatus#LENGTH_MISMATCH} if the sections written do
   *     not end where the digest goes; a negative {@link FlashStatus} if a write failed
   */
  public int finish() {
    if (status == ImageStatus.OK && position() != size - DIGEST_LENGTH) {
      status = ImageStatus.LENGTH_MISMATCH;
    }
    flush();
    if (status == ImageStatus.OK) {
      sha.finish(digest, 0);
      status = target.write(base + flushed, digest, 0, DIGEST_LENGTH);
    }
    target = null;
    return status;
  }

  /**
   * Copies the digest the last successful {@link #finish} wrote to {@code out[offset..]} (nothing
   * if it does not fit there).
   */
  public void digest(byte[] out, int offset) {
    if (Bounds.within(out, offset, DIGEST_LENGTH)) {
      System.arraycopy(digest, 0, out, offset, DIGEST_LENGTH);
    }
  }

  /** Makes room for {@code bytes} in the buffer, sealing the header before the first section. */
  private void reserve(int bytes) {
    if (!headerSealed) {
      header.sealHeader();
      headerSealed = true;
    }
    if (fill + bytes > buffer.length) {
      flush();
    }
  }

  private void flush() {
    if (!headerSealed) {
      header.sealHeader();
      headerSealed = true;
    }
    if (status == ImageStatus.OK && fill > 0) {
      sha.update(buffer, 0, fill);
      status = target.write(base + flushed, buffer, 0, fill);
    }
    flushed += fill;
    fill = 0;
  }
}
