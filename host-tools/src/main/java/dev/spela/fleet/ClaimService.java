package dev.spela.fleet;

/**
 * A running provisioning service (section 11's {@link Provisioner}, or the sealed claims of section
 * 15).
 */
public interface ClaimService extends AutoCloseable {

  /** Replies sent (accepted or refused). */
  int answered();

  @Override
  void close();
}
