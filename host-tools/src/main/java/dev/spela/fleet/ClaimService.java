package dev.spela.fleet;

/** A running provisioning service (version 1 {@link Provisioner} or the v2 draft's secure one). */
public interface ClaimService extends AutoCloseable {

  /** Replies sent (accepted or refused). */
  int answered();

  @Override
  void close();
}
