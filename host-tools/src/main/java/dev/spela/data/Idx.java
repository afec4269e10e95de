package dev.spela.data;

import dev.spela.io.IoFailures;
import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads one IDX file of unsigned bytes: a magic number (two zero bytes, the element type 0x08, the
 * number of dimensions), each dimension as a big-endian 32-bit int, then the data, nothing after
 * it. A gzip-compressed file is recognised by its first two bytes, whatever its name. The data is
 * read with one bulk read into an array of the size the header declares.
 */
final class Idx {
  private static final int BUFFER_SIZE = 1 << 16;
  private static final int UNSIGNED_BYTE = 0x08;
  private static final int GZIP_MAGIC = 0x8b1f;

  /** The largest array every JVM allocates. */
  private static final long MAX_DATA_BYTES = Integer.MAX_VALUE - 8;

  /** What a file must hold. */
  enum Kind {
    LABELS(0x00000801, "a label file", "labels"),
    IMAGES(0x00000803, "an image file", "images", "rows", "columns");

    final int magic;
    final String description;

    /** A name for each dimension, for error messages. */
    final String[] dimensionNames;

    Kind(int magic, String description, String... dimensionNames) {
      this.magic = magic;
      this.description = description;
      this.dimensionNames = dimensionNames;
    }
  }

  /** A file's dimensions (the first is the sample count) and data. */
  record Content(int[] dims, byte[] data) {}

  private Idx() {}

  /**
   * Reads and validates a whole file. When {@code expectedSha256} is not null, the SHA-256 of the
   * uncompressed content must equal it (lower-case hex).
   */
  static Content read(Path file, Kind kind, String expectedSha256) throws DatasetException {
    MessageDigest digest = expectedSha256 == null ? null : sha256();
    Content content;
    try (InputStream in = digest == null ? open(file) : new DigestInputStream(open(file), digest)) {
      int[] dims = readHeader(in, file, kind);
      int size = dataSize(file, dims);
      byte[] data = new byte[size];
      int read = in.readNBytes(data, 0, size);
      if (read < size) {
        throw problem(
            file,
            "truncated: its header declares "
                + describe(kind, dims)
                + " ("
                + size
                + " data bytes) but only "
                + read
                + " follow");
      }
      long extra = in.transferTo(OutputStream.nullOutputStream());
      if (extra > 0) {
        throw problem(
            file,
            extra
                + " bytes of trailing data after the "
                + size
                + " data bytes its header declares");
      }
      content = new Content(dims, data);
    } catch (IOException e) {
      throw ioProblem(file, e);
    }
    if (digest != null) {
      String actual = HexFormat.of().formatHex(digest.digest());
      if (!actual.equalsIgnoreCase(expectedSha256)) {
        throw problem(
            file,
            "SHA-256 of the uncompressed content is " + actual + ", expected " + expectedSha256);
      }
    }
    return content;
  }

  /** Reads and validates only the header: the dimensions, the first being the sample count. */
  static int[] readDims(Path file, Kind kind) throws DatasetException {
    try (InputStream in = open(file)) {
      return readHeader(in, file, kind);
    } catch (IOException e) {
      throw ioProblem(file, e);
    }
  }

  /** The file's content, decompressed when it starts with the gzip magic bytes. */
  private static InputStream open(Path file) throws IOException {
    BufferedInputStream in = new BufferedInputStream(Files.newInputStream(file), BUFFER_SIZE);
    try {
      in.mark(2);
      int magic = in.read() | (in.read() << 8);
      in.reset();
      return magic == GZIP_MAGIC ? new GZIPInputStream(in, BUFFER_SIZE) : in;
    } catch (IOException e) {
      in.close();
      throw e;
    }
  }

  private static int[] readHeader(InputStream in, Path file, Kind kind)
      throws IOException, DatasetException {
    byte[] head = in.readNBytes(4);
    if (head.length < 4) {
      throw problem(
          file, head.length == 0 ? "empty file" : "truncated: too short for an IDX header");
    }
    int magic = bigEndianInt(head, 0);
    if (head[0] != 0 || head[1] != 0) {
      throw problem(
          file,
          String.format(
              "not an IDX file (magic number 0x%08X, expected 0x%08X for %s)",
              magic, kind.magic, kind.description));
    }
    if (head[2] != UNSIGNED_BYTE) {
      throw problem(
          file,
          String.format(
              "IDX element type 0x%02X is not supported, only 0x08 (unsigned byte)"
                  + " (magic number 0x%08X, expected 0x%08X for %s)",
              head[2] & 0xFF, magic, kind.magic, kind.description));
    }
    int dimCount = head[3] & 0xFF;
    int expectedDims = kind.dimensionNames.length;
    if (dimCount != expectedDims) {
      throw problem(
          file,
          String.format(
              "has %d dimension(s) (magic number 0x%08X), expected %d for %s (0x%08X)",
              dimCount, magic, expectedDims, kind.description, kind.magic));
    }
    byte[] dimBytes = in.readNBytes(4 * dimCount);
    if (dimBytes.length < 4 * dimCount) {
      throw problem(file, "truncated: the file ends inside its IDX header");
    }
    int[] dims = new int[dimCount];
    for (int i = 0; i < dimCount; i++) {
      dims[i] = bigEndianInt(dimBytes, 4 * i);
      if (dims[i] < 1) {
        throw problem(
            file,
            "its header declares "
                + dims[i]
                + " "
                + kind.dimensionNames[i]
                + "; every dimension must be at least 1");
      }
    }
    return dims;
  }

  private static int dataSize(Path file, int[] dims) throws DatasetException {
    long size = 1;
    for (int dim : dims) {
      size *= dim;
      if (size > MAX_DATA_BYTES) {
        throw problem(file, "too large: more than " + MAX_DATA_BYTES + " data bytes");
      }
    }
    return (int) size;
  }

  private static String describe(Kind kind, int[] dims) {
    return kind == Kind.IMAGES
        ? dims[0] + " images of " + dims[1] + "x" + dims[2]
        : dims[0] + " labels";
  }

  private static int bigEndianInt(byte[] bytes, int offset) {
    return (bytes[offset] & 0xFF) << 24
        | (bytes[offset + 1] & 0xFF) << 16
        | (bytes[offset + 2] & 0xFF) << 8
        | (bytes[offset + 3] & 0xFF);
  }

  static DatasetException problem(Path file, String problem) {
    return new DatasetException(file + ": " + problem);
  }

  /**
   * An I/O failure reading {@code file} as a one-line message; gzip failures mean a damaged file.
   */
  static DatasetException ioProblem(Path file, IOException e) {
    String problem;
    if (e instanceof EOFException) {
      problem = "truncated: the gzip stream ends early";
    } else if (e instanceof ZipException) {
      problem = "corrupt gzip data (" + e.getMessage() + ")";
    } else {
      problem = "cannot read: " + IoFailures.reason(file, e);
    }
    return new DatasetException(file + ": " + problem, e);
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }
}
