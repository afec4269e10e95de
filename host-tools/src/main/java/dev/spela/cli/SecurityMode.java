package dev.spela.cli;

import picocli.CommandLine.Option;

/**
 * {@code --secure | --insecure} (an exclusive argument group): whether a fleet command uses TLS and
 * the fleet's accounts. Neither is today's plain mode with its warning; the default becomes secure
 * once devices and every host command speak it.
 */
public final class SecurityMode {

  @Option(names = "--secure", description = "TLS and the fleet's accounts (see SECURITY.md).")
  boolean secure;

  @Option(
      names = "--insecure",
      description = "Plain MQTT without logins, for local experiments (prints a warning).")
  boolean insecure;
}
