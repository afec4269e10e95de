package dev.spela.fleet.security;

import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The fleet's own certificate authority and the broker's certificate, kept as PEM files in the
 * fleet folder ({@code ca.crt}, {@code ca.key}, {@code broker.crt}, {@code broker.key}; keys mode
 * 0600) and created on first use. ECDSA P-256 throughout: what TLS stacks on microcontrollers
 * (mbedTLS, wolfSSL) verify cheaply, and what Mosquitto (OpenSSL) and the JDK serve.
 *
 * <p>Devices and host tools trust only {@code ca.crt}; the broker presents {@code broker.crt},
 * which names the hosts it is reached by (127.0.0.1, ::1 and localhost always; others on request).
 * A broker certificate that lacks a requested name, or has less than 30 days left, is issued anew
 * by the same CA, so nothing needs to change on the devices.
 */
public final class FleetAuthority {

  public static final String CA_CERTIFICATE = "ca.crt";
  public static final String CA_KEY = "ca.key";
  public static final String BROKER_CERTIFICATE = "broker.crt";
  public static final String BROKER_KEY = "broker.key";

  private static final List<String> LOCAL_NAMES = List.of("127.0.0.1", "::1", "localhost");
  private static final Duration CA_LIFETIME = Duration.ofDays(20 * 365);
  private static final Duration BROKER_LIFETIME = Duration.ofDays(2 * 365);
  private static final Duration RENEW_BEFORE = Duration.ofDays(30);
  private static final Pattern IP_ADDRESS = Pattern.compile("[0-9.]+|.*:.*");
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Path folder;
  private final X509Certificate caCertificate;
  private final PrivateKey caKey;
  private X509Certificate brokerCertificate;

  private FleetAuthority(Path folder, X509Certificate caCertificate, PrivateKey caKey) {
    this.folder = folder;
    this.caCertificate = caCertificate;
    this.caKey = caKey;
  }

  /**
   * The authority of the fleet folder, created with its broker certificate if the folder has none;
   * the broker certificate is issued anew if it misses one of {@code brokerNames} or expires soon.
   */
  public static FleetAuthority openOrCreate(Path folder, Collection<String> brokerNames)
      throws IOException {
    try {
      Path caFile = folder.resolve(CA_CERTIFICATE);
      FleetAuthority authority;
      if (Files.exists(caFile)) {
        authority =
            new FleetAuthority(folder, readCertificate(caFile), readKey(folder.resolve(CA_KEY)));
      } else {
        authority = createCa(folder);
      }
      authority.ensureBrokerCertificate(brokerNames);
      return authority;
    } catch (GeneralSecurityException | OperatorCreationException e) {
      throw new IOException("fleet certificates in " + folder + ": " + e.getMessage(), e);
    }
  }

  public Path caCertificateFile() {
    return folder.resolve(CA_CERTIFICATE);
  }

  public Path brokerCertificateFile() {
    return folder.resolve(BROKER_CERTIFICATE);
  }

  public Path brokerKeyFile() {
    return folder.resolve(BROKER_KEY);
  }

  public X509Certificate caCertificate() {
    return caCertificate;
  }

  public X509Certificate brokerCertificate() {
    return brokerCertificate;
  }

  /** The broker's key and certificate chain as a PKCS#12 key store (for HiveMQ's TLS listener). */
  public KeyStore brokerKeyStore(char[] password) throws IOException {
    try {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      store.setKeyEntry(
          "broker",
          readKey(brokerKeyFile()),
          password,
          new java.security.cert.Certificate[] {brokerCertificate, caCertificate});
      return store;
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot build the broker's key store: " + e.getMessage(), e);
    }
  }

  private static FleetAuthority createCa(Path folder)
      throws IOException, GeneralSecurityException, OperatorCreationException {
    KeyPair keys = newKeyPair();
    X500Name name =
        new X500Name(
            "CN=SPELA fleet CA " + HexFormat.of().formatHex(randomBytes(4)) + ",O=SPELA Edge");
    Instant now = Instant.now();
    X509v3CertificateBuilder builder =
        new JcaX509v3CertificateBuilder(
            name,
            serial(),
            Date.from(now.minus(Duration.ofHours(1))),
            Date.from(now.plus(CA_LIFETIME)),
            name,
            keys.getPublic());
    JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
    builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
    builder.addExtension(
        Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
    builder.addExtension(
        Extension.subjectKeyIdentifier,
        false,
        extensions.createSubjectKeyIdentifier(keys.getPublic()));
    X509Certificate certificate = sign(builder, keys.getPrivate());
    // The key first: a certificate without its key would be a CA nobody can use.
    SecureFiles.writeAtomically(folder.resolve(CA_KEY), pem(keys.getPrivate()), true);
    SecureFiles.writeAtomically(folder.resolve(CA_CERTIFICATE), pem(certificate), false);
    return new FleetAuthority(folder, certificate, keys.getPrivate());
  }

  private void ensureBrokerCertificate(Collection<String> requested)
      throws IOException, GeneralSecurityException, OperatorCreationException {
    Set<String> names = new LinkedHashSet<>(LOCAL_NAMES);
    names.addAll(requested);
    Path certificateFile = brokerCertificateFile();
    if (Files.exists(certificateFile) && Files.exists(brokerKeyFile())) {
      X509Certificate existing = readCertificate(certificateFile);
      boolean fresh = existing.getNotAfter().toInstant().isAfter(Instant.now().plus(RENEW_BEFORE));
      if (fresh && subjectNames(existing).containsAll(names) && issuedByUs(existing)) {
        brokerCertificate = existing;
        return;
      }
      names.addAll(subjectNames(existing)); // keep the names it had
    }
    KeyPair keys = newKeyPair();
    Instant now = Instant.now();
    X500Name issuer = X500Name.getInstance(caCertificate.getSubjectX500Principal().getEncoded());
    X509v3CertificateBuilder builder =
        new JcaX509v3CertificateBuilder(
            issuer,
            serial(),
            Date.from(now.minus(Duration.ofHours(1))),
            Date.from(now.plus(BROKER_LIFETIME)),
            new X500Name("CN=SPELA fleet broker,O=SPELA Edge"),
            keys.getPublic());
    List<GeneralName> alternatives = new ArrayList<>();
    for (String n : names) {
      alternatives.add(
          new GeneralName(
              IP_ADDRESS.matcher(n).matches() ? GeneralName.iPAddress : GeneralName.dNSName, n));
    }
    JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
    builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
    builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
    builder.addExtension(
        Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
    builder.addExtension(
        Extension.subjectAlternativeName,
        false,
        new GeneralNames(alternatives.toArray(GeneralName[]::new)));
    builder.addExtension(
        Extension.authorityKeyIdentifier,
        false,
        extensions.createAuthorityKeyIdentifier(caCertificate));
    X509Certificate certificate = sign(builder, caKey);
    SecureFiles.writeAtomically(brokerKeyFile(), pem(keys.getPrivate()), true);
    SecureFiles.writeAtomically(certificateFile, pem(certificate), false);
    brokerCertificate = certificate;
  }

  private boolean issuedByUs(X509Certificate certificate) {
    try {
      certificate.verify(caCertificate.getPublicKey());
      return true;
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  private static Set<String> subjectNames(X509Certificate certificate)
      throws CertificateParsingException {
    Set<String> names = new LinkedHashSet<>();
    if (certificate.getSubjectAlternativeNames() != null) {
      for (List<?> entry : certificate.getSubjectAlternativeNames()) {
        String value = String.valueOf(entry.get(1));
        names.add(value.equals("0:0:0:0:0:0:0:1") ? "::1" : value);
      }
    }
    return names;
  }

  private static KeyPair newKeyPair() throws GeneralSecurityException {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
    return generator.generateKeyPair();
  }

  private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey key)
      throws OperatorCreationException, GeneralSecurityException {
    ContentSigner signer = new JcaContentSignerBuilder("SHA256withECDSA").build(key);
    return new JcaX509CertificateConverter().getCertificate(builder.build(signer));
  }

  private static BigInteger serial() {
    return new BigInteger(1, randomBytes(16));
  }

  private static byte[] randomBytes(int n) {
    byte[] bytes = new byte[n];
    RANDOM.nextBytes(bytes);
    return bytes;
  }

  static byte[] pem(Object object) throws IOException {
    StringWriter text = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
      writer.writeObject(
          object instanceof PrivateKey key
              ? new org.bouncycastle.openssl.jcajce.JcaPKCS8Generator(key, null)
              : object);
    }
    return text.toString().getBytes(StandardCharsets.US_ASCII);
  }

  static X509Certificate readCertificate(Path file) throws IOException, GeneralSecurityException {
    try (Reader reader = Files.newBufferedReader(file, StandardCharsets.US_ASCII);
        PEMParser parser = new PEMParser(reader)) {
      if (parser.readObject() instanceof X509CertificateHolder holder) {
        return new JcaX509CertificateConverter().getCertificate(holder);
      }
      throw new IOException(file + " holds no PEM certificate");
    }
  }

  static PrivateKey readKey(Path file) throws IOException {
    try (Reader reader = Files.newBufferedReader(file, StandardCharsets.US_ASCII);
        PEMParser parser = new PEMParser(reader)) {
      if (parser.readObject() instanceof PrivateKeyInfo info) {
        return new JcaPEMKeyConverter().getPrivateKey(info);
      }
      throw new IOException(file + " holds no PKCS#8 private key");
    }
  }

  static java.security.PublicKey readPublicKey(Path file) throws IOException {
    try (Reader reader = Files.newBufferedReader(file, StandardCharsets.US_ASCII);
        PEMParser parser = new PEMParser(reader)) {
      if (parser.readObject() instanceof org.bouncycastle.asn1.x509.SubjectPublicKeyInfo info) {
        return new JcaPEMKeyConverter().getPublicKey(info);
      }
      throw new IOException(file + " holds no PEM public key");
    }
  }
}
