import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Servers the integration suites start through testcontainers where a Docker engine answers
 * (CI, a developer machine). Images pinned: a test run gets the server it was written against.
 * testcontainers is loaded only when an engine may be there (its import alone takes seconds).
 */
export const AEROSPIKE_IMAGE = 'aerospike/aerospike-server:8.1.0.3';
export const MINIO_IMAGE = 'minio/minio:RELEASE.2025-04-22T22-12-26Z';

export interface TestServer {
  stop(): Promise<void>;
}

/** Where testcontainers would find an engine: its own settings, DOCKER_HOST, the usual sockets. */
function engineHints(env: NodeJS.ProcessEnv): string[] {
  const runtimeDir = env.XDG_RUNTIME_DIR;
  return [
    env.DOCKER_HOST,
    env.TESTCONTAINERS_HOST_OVERRIDE,
    ...[
      '/var/run/docker.sock',
      join(homedir(), '.testcontainers.properties'),
      join(homedir(), '.docker', 'run', 'docker.sock'),
      join(homedir(), '.docker', 'desktop', 'docker.sock'),
      runtimeDir ? join(runtimeDir, 'docker.sock') : undefined,
    ].filter((p): p is string => p !== undefined && existsSync(p)),
  ].filter((h): h is string => Boolean(h));
}

/**
 * Why no container engine can be used here (the reason a suite gives when it skips), or
 * undefined when one answered within timeoutMs.
 */
export async function containerEngineMissing(timeoutMs = 5_000, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  if (engineHints(env).length === 0) return 'no Docker engine (no DOCKER_HOST, no /var/run/docker.sock)';
  const { getContainerRuntimeClient } = await import('testcontainers');
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => (timer = setTimeout(() => resolve(`no Docker engine answered within ${timeoutMs} ms`), timeoutMs)));
  try {
    return await Promise.race([getContainerRuntimeClient().then(() => undefined, (err: Error) => `no Docker engine: ${err.message}`), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A single-node Aerospike CE with the namespace in memory (nothing persisted) and nsup-period
 * set: the server refuses writes with a TTL on a namespace without it.
 */
export async function startAerospikeContainer(namespace = 'test'): Promise<TestServer & { hosts: string }> {
  const { GenericContainer, Wait } = await import('testcontainers');
  const conf = [
    'service {', '  cluster-name smsgw-test', '}',
    'logging {', '  console {', '    context any info', '  }', '}',
    'network {', '  service {', '    address any', '    port 3000', '  }',
    '  heartbeat {', '    mode mesh', '    port 3002', '  }', '  fabric {', '    port 3001', '  }', '}',
    `namespace ${namespace} {`, '  replication-factor 1', '  nsup-period 10',
    '  storage-engine memory {', '    data-size 1G', '  }', '}',
  ].join('\n');
  const container = await new GenericContainer(AEROSPIKE_IMAGE)
    .withCopyContentToContainer([{ content: conf, target: '/opt/aerospike/etc/test.conf' }])
    .withCommand(['asd', '--config-file', '/opt/aerospike/etc/test.conf'])
    .withExposedPorts(3000)
    .withWaitStrategy(Wait.forLogMessage(/service ready/))
    .withStartupTimeout(120_000)
    .start();
  return { hosts: `${container.getHost()}:${container.getMappedPort(3000)}`, stop: async () => void (await container.stop()) };
}

/** MinIO (the S3 server of docker-compose.yml), answering once its health endpoint does. */
export async function startMinioContainer(): Promise<TestServer & { endpoint: string; accessKeyId: string; secretAccessKey: string }> {
  const { GenericContainer, Wait } = await import('testcontainers');
  const accessKeyId = 'minio';
  const secretAccessKey = 'minio-secret';
  const container = await new GenericContainer(MINIO_IMAGE)
    .withEnvironment({ MINIO_ROOT_USER: accessKeyId, MINIO_ROOT_PASSWORD: secretAccessKey })
    .withCommand(['server', '/data'])
    .withExposedPorts(9000)
    .withWaitStrategy(Wait.forHttp('/minio/health/ready', 9000))
    .withStartupTimeout(120_000)
    .start();
  return {
    endpoint: `http://${container.getHost()}:${container.getMappedPort(9000)}`,
    accessKeyId,
    secretAccessKey,
    stop: async () => void (await container.stop()),
  };
}
