package dev.spela.fleet.security;

import javax.net.ssl.SSLSocketFactory;

/**
 * How a client proves itself to the broker and checks the broker: a username and password, and a
 * TLS socket factory that trusts the fleet's CA. {@link #NONE}: anonymous, plain TCP (or the JVM's
 * default trust for an {@code ssl://} URL).
 */
public record ClientSecurity(String username, String password, SSLSocketFactory socketFactory) {

  public static final ClientSecurity NONE = new ClientSecurity(null, null, null);

  @Override
  public String toString() {
    return "ClientSecurity[username="
        + username
        + ", password="
        + (password == null ? "none" : "****")
        + ", tls="
        + (socketFactory != null)
        + "]";
  }
}
