// TEMPORARY STUB (replaced by the delivery work): `tlsverify DOMAIN [HOST[:PORT]]`, shared by the ESA>
// prompt and `destconfig tlsverify`. Writes its step-by-step output through `print` and returns an exit
// status (0 verified, non-zero otherwise).
export interface TlsVerifyArgs {
  domain: string;
  host?: string;
  home: string;
  print: (line: string) => void;
  dnsServers?: string[];
  port?: number;
  caFile?: string;
}

export async function runTlsVerify(args: TlsVerifyArgs): Promise<number> {
  args.print('tlsverify is not available yet.');
  return 1;
}
