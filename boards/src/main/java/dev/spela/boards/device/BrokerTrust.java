package dev.spela.boards.device;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Collection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;

/**
 * TLS to the fleet's broker, as a device sees it: trust exactly the fleet's CA certificate (the
 * {@code ca.crt} PEM file that {@code spela} creates in the fleet folder), nothing from the JVM's
 * default trust store, and check that the broker's certificate names the host in the broker URL.
 * The host tools use the same socket factory.
 */
public final class BrokerTrust {

  private BrokerTrust() {}

  /**
   * A socket factory whose TLS connections accept only servers certified by {@code caCertificate}.
   */
  public static SSLSocketFactory socketFactory(Path caCertificate) throws IOException {
    try (InputStream in = Files.newInputStream(caCertificate)) {
      Collection<? extends Certificate> certificates =
          CertificateFactory.getInstance("X.509").generateCertificates(in);
      if (certificates.isEmpty()) {
        throw new IOException("no certificate in " + caCertificate);
      }
      KeyStore trusted = KeyStore.getInstance("PKCS12");
      trusted.load(null, null);
      int n = 0;
      for (Certificate certificate : certificates) {
        trusted.setCertificateEntry("fleet-ca-" + n++, certificate);
      }
      TrustManagerFactory trust =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      trust.init(trusted);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, trust.getTrustManagers(), null);
      return context.getSocketFactory();
    } catch (GeneralSecurityException e) {
      throw new IOException(
          "cannot use the fleet CA certificate " + caCertificate + ": " + e.getMessage(), e);
    }
  }

  /**
   * Sets a device's connection options for a secured broker: TLS trusting only the fleet CA, the
   * broker's name checked, and the device's username (its device id) and password.
   */
  public static void apply(
      MqttConnectOptions options, Path caCertificate, String username, char[] password)
      throws IOException {
    apply(options, socketFactory(caCertificate), username, password);
  }

  /** As {@link #apply(MqttConnectOptions, Path, String, char[])}, with a factory made before. */
  public static void apply(
      MqttConnectOptions options, SSLSocketFactory trust, String username, char[] password) {
    options.setSocketFactory(trust);
    options.setHttpsHostnameVerificationEnabled(true);
    options.setUserName(username);
    options.setPassword(password.clone());
  }
}
