package dev.spela.boards.device;

import dev.spela.protocols.storage.FlashRegion;
import dev.spela.protocols.storage.FlashStatus;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * A virtual board's flash area kept in a file of the area's size, mapped into memory, so that it
 * survives a restart (and a killed process: the writes are in the page cache) and reads cost no
 * system call. It keeps the flash rules: erases of whole sectors, writes only onto erased bytes. A
 * file shorter than the area (truncated, or new) reads as erased beyond its end.
 */
public final class FileFlash implements FlashRegion {

  private final MappedByteBuffer bytes;
  private final int size;
  private final int sectorBytes;

  private FileFlash(MappedByteBuffer bytes, int size, int sectorBytes) {
    this.bytes = bytes;
    this.size = size;
    this.sectorBytes = sectorBytes;
  }

  /** Opens (creating if needed) the area of {@code size} bytes kept in {@code file}. */
  public static FileFlash open(Path file, int size, int sectorBytes) throws IOException {
    if (size < 0 || sectorBytes < 1 || size % sectorBytes != 0) {
      throw new IllegalArgumentException("a flash area is whole sectors, not " + size + " bytes");
    }
    Files.createDirectories(file.toAbsolutePath().getParent());
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
        StandardOpenOption.WRITE)) {
      long existing = channel.size();
      if (existing < size) {
        byte[] erased = new byte[(int) (size - existing)];
        Arrays.fill(erased, (byte) FlashStatus.ERASED);
        channel.write(ByteBuffer.wrap(erased), existing);
      }
      return new FileFlash(channel.map(FileChannel.MapMode.READ_WRITE, 0, size), size, sectorBytes);
    }
  }

  @Override
  public int size() {
    return size;
  }

  @Override
  public int sectorBytes() {
    return sectorBytes;
  }

  @Override
  public int read(int offset, byte[] dst, int dstOffset, int length) {
    int status = FlashStatus.checkTransfer(offset, length, size, dst, dstOffset);
    if (status == FlashStatus.OK) {
      bytes.get(offset, dst, dstOffset, length);
    }
    return status;
  }

  @Override
  public int write(int offset, byte[] src, int srcOffset, int length) {
    int status = FlashStatus.checkTransfer(offset, length, size, src, srcOffset);
    if (status != FlashStatus.OK) {
      return status;
    }
    for (int k = 0; k < length; k++) {
      if (bytes.get(offset + k) != (byte) FlashStatus.ERASED) {
        return FlashStatus.NOT_ERASED;
      }
    }
    bytes.put(offset, src, srcOffset, length);
    return FlashStatus.OK;
  }

  @Override
  public int erase(int offset, int length) {
    int status = FlashStatus.checkErase(offset, length, size, sectorBytes);
    if (status != FlashStatus.OK) {
      return status;
    }
    for (int k = 0; k < length; k++) {
      bytes.put(offset + k, (byte) FlashStatus.ERASED);
    }
    return FlashStatus.OK;
  }
}
