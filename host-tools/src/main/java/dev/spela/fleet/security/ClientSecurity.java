package dev.spela.fleet.security;

import javax.net.ssl.SSLSocketFactory;

/**
 * How a client proves itself to the broker and checks the broker: a username and password, and a
 * TLS socket factory that trusts the fleet's CA; for a host program also the fleet's message keys
 * (PROTOCOL.md section 5), with which it seals what it sends and accepts only what it can
 * authenticate. {@link #NONE}: anonymous, plain TCP (or the JVM's default trust for an {@code
 * ssl://} URL), no message authentication.
 */
public record ClientSecurity(
    String username, String password, SSLSocketFactory socketFactory, MessageKeys keys) {

  public static final ClientSecurity NONE = new ClientSecurity(null, null, null, null);

  /** A login without message keys (a device's, or a provisioning client's). */
  public ClientSecurity(String username, String password, SSLSocketFactory socketFactory) {
    this(username, password, socketFactory, null);
  }

  @Override
  public String toString() {
    return "ClientSecurity[username="
        + username
        + ", password="
        + (password == null ? "none" : "****")
        + ", tls="
        + (socketFactory != null)
        + ", keys="
        + (keys != null)
        + "]";
  }
}
