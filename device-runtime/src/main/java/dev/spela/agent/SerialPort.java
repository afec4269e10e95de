package dev.spela.agent;

/**
 * A UART as the agent's {@link UartTransport} uses it: bytes out, bytes in. Status codes, no
 * exceptions.
 */
public interface SerialPort {

  /** Sends {@code src[offset, offset + length)}, waiting while the UART is busy; 0, or negative. */
  int write(byte[] src, int offset, int length);

  /**
   * Copies up to {@code length} received bytes to {@code dst[offset..]} and returns how many (0:
   * none came; a port may wait a little for the first), or a negative status if the port is gone.
   */
  int read(byte[] dst, int offset, int length);
}
