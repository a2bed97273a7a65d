// The test cluster's PKI, made with the openssl CLI: one CA signs every serving and client
// certificate, so a single caFile verifies the apiserver and the token webhook alike.
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ComponentError } from "./processes.ts";

export interface KeyPair {
  readonly cert: string;
  readonly key: string;
}

export interface Pki {
  readonly dir: string;
  readonly ca: KeyPair;
  readonly apiserver: KeyPair;
  /** Serving certificate for the token webhook (127.0.0.1). */
  readonly webhook: KeyPair;
  readonly admin: KeyPair;
  readonly controllerManager: KeyPair;
  readonly scheduler: KeyPair;
  readonly kwok: KeyPair;
  /** Service-account token signing key (private) and its public half. */
  readonly serviceAccount: { readonly key: string; readonly pub: string };
}

/** The ClusterIP of the `kubernetes` Service: first address of the service range. */
export const SERVICE_CLUSTER_IP_RANGE = "10.96.0.0/16";
const KUBERNETES_SERVICE_IP = "10.96.0.1";

function openssl(args: readonly string[], cwd: string): void {
  try {
    execFileSync("openssl", [...args], { cwd, stdio: ["ignore", "pipe", "pipe"] });
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? String(error);
    throw new ComponentError(
      "pki",
      `openssl ${args[0]} failed: ${stderr.trim()}`,
      "install the openssl CLI (apt-get install openssl) and check that .testenv/ is writable",
    );
  }
}

// P-256 keys: generated in milliseconds, and accepted everywhere Kubernetes takes a key
function newKey(path: string, cwd: string): void {
  openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", path], cwd);
}

function signed(dir: string, name: string, subject: string, extensions: string, ca: KeyPair): KeyPair {
  const key = join(dir, `${name}.key`);
  const csr = join(dir, `${name}.csr`);
  const cert = join(dir, `${name}.crt`);
  const ext = join(dir, `${name}.ext`);
  newKey(key, dir);
  openssl(["req", "-new", "-key", key, "-subj", subject, "-out", csr], dir);
  writeFileSync(ext, extensions);
  openssl(
    [
      "x509",
      "-req",
      "-in",
      csr,
      "-CA",
      ca.cert,
      "-CAkey",
      ca.key,
      "-CAcreateserial",
      "-days",
      "825",
      "-sha256",
      "-extfile",
      ext,
      "-out",
      cert,
    ],
    dir,
  );
  return { cert, key };
}

function clientCert(dir: string, name: string, subject: string, ca: KeyPair): KeyPair {
  return signed(
    dir,
    name,
    subject,
    "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n",
    ca,
  );
}

function servingCert(
  dir: string,
  name: string,
  subject: string,
  sans: readonly string[],
  ca: KeyPair,
): KeyPair {
  return signed(
    dir,
    name,
    subject,
    "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n" +
      `extendedKeyUsage=serverAuth\nsubjectAltName=${sans.join(",")}\n`,
    ca,
  );
}

/** Creates the whole PKI in `dir` (fresh every time the environment starts from nothing). */
export function generatePki(dir: string): Pki {
  mkdirSync(dir, { recursive: true });
  const ca: KeyPair = { cert: join(dir, "ca.crt"), key: join(dir, "ca.key") };
  newKey(ca.key, dir);
  openssl(
    [
      "req",
      "-x509",
      "-new",
      "-key",
      ca.key,
      "-subj",
      "/CN=homeostat-testenv-ca",
      "-days",
      "3650",
      "-sha256",
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-addext",
      "keyUsage=critical,keyCertSign,cRLSign,digitalSignature",
      "-out",
      ca.cert,
    ],
    dir,
  );
  const loopback = ["IP:127.0.0.1", "DNS:localhost"];
  const apiserver = servingCert(
    dir,
    "apiserver",
    "/CN=kube-apiserver",
    [
      ...loopback,
      `IP:${KUBERNETES_SERVICE_IP}`,
      "DNS:kubernetes",
      "DNS:kubernetes.default",
      "DNS:kubernetes.default.svc",
      "DNS:kubernetes.default.svc.cluster.local",
    ],
    ca,
  );
  const webhook = servingCert(dir, "token-webhook", "/CN=homeostat-token-webhook", loopback, ca);
  const admin = clientCert(dir, "admin", "/O=system:masters/CN=homeostat-admin", ca);
  const controllerManager = clientCert(dir, "controller-manager", "/CN=system:kube-controller-manager", ca);
  const scheduler = clientCert(dir, "scheduler", "/CN=system:kube-scheduler", ca);
  // kwok writes node and pod status for every simulated node, which no narrow built-in role covers
  const kwok = clientCert(dir, "kwok", "/O=system:masters/CN=kwok-controller", ca);
  const serviceAccount = { key: join(dir, "sa.key"), pub: join(dir, "sa.pub") };
  newKey(serviceAccount.key, dir);
  openssl(["pkey", "-in", serviceAccount.key, "-pubout", "-out", serviceAccount.pub], dir);
  return { dir, ca, apiserver, webhook, admin, controllerManager, scheduler, kwok, serviceAccount };
}
