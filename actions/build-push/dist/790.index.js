export const id = 790;
export const ids = [790];
export const modules = {

/***/ 4790:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

// ESM COMPAT FLAG
__webpack_require__.r(__webpack_exports__);

// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  buildxArgs: () => (/* binding */ buildxArgs),
  buildxBuild: () => (/* binding */ buildxBuild),
  buildxVersion: () => (/* binding */ buildxVersion),
  createDockerSession: () => (/* binding */ createDockerSession),
  describeBuildFailure: () => (/* binding */ describeBuildFailure),
  dockerLogin: () => (/* binding */ dockerLogin)
});

// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __webpack_require__(3024);
// EXTERNAL MODULE: external "node:os"
var external_node_os_ = __webpack_require__(8161);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(6760);
// EXTERNAL MODULE: ./actions/lib/errors.ts
var errors = __webpack_require__(2863);
// EXTERNAL MODULE: external "node:child_process"
var external_node_child_process_ = __webpack_require__(1421);
;// CONCATENATED MODULE: ./actions/lib/exec.ts
// Running a command with its output passed through live (a person follows it in the job log as it runs),
// optionally keeping the tail for error analysis, feeding stdin (a password is never an argument), bounded
// by a timeout, and stopped with its whole process group when the job is cancelled.



const DEFAULT_CAPTURE = 1024 * 1024;
const KILL_GRACE_MS = 5000;
/** Runs `file` with `args` (no shell: arguments are passed as they are). */
function execFile(file, args, options = {}) {
    return run(file, args, options);
}
/**
 * Runs `command` through a shell, as a workflow's `run:` step does: `bash --noprofile --norc -eo pipefail -c`
 * where bash exists (so `a | b` fails when `a` fails), else `sh -c`; `cmd.exe /d /s /c` on Windows.
 */
async function execShell(command, options = {}) {
    if (process.platform === 'win32') {
        return run(process.env.ComSpec ?? 'cmd.exe', ['/d', '/s', '/c', command], options);
    }
    try {
        return await run('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', command], {
            ...options,
            notFoundHint: undefined,
        });
    }
    catch (error) {
        if (!(error instanceof ExecNotFoundError))
            throw error;
        return run('sh', ['-c', command], options);
    }
}
class ExecNotFoundError extends errors/* ActionError */.lZ {
    name = 'ExecNotFoundError';
}
function run(file, args, options) {
    const stream = options.stream ?? true;
    const limit = options.captureLimit ?? DEFAULT_CAPTURE;
    const started = Date.now();
    return new Promise((resolve, reject) => {
        if (options.signal?.aborted) {
            reject(options.signal.reason);
            return;
        }
        const posix = process.platform !== 'win32';
        const child = (0,external_node_child_process_.spawn)(file, args, {
            cwd: options.cwd,
            env: options.env ?? process.env,
            stdio: ['pipe', 'pipe', 'pipe'],
            // Its own process group, so cancelling stops the command's children too (npm → node → workers).
            detached: posix,
            windowsHide: true,
        });
        let stdout = '';
        let stderr = '';
        let timedOut = false;
        let cancelled = false;
        let killTimer;
        const keep = (current, chunk) => {
            if (limit <= 0)
                return '';
            const next = current + chunk;
            return next.length > limit ? next.slice(next.length - limit) : next;
        };
        child.stdout.setEncoding('utf8');
        child.stderr.setEncoding('utf8');
        child.stdout.on('data', (chunk) => {
            if (stream)
                process.stdout.write(chunk);
            stdout = keep(stdout, chunk);
        });
        child.stderr.on('data', (chunk) => {
            if (stream)
                process.stderr.write(chunk);
            stderr = keep(stderr, chunk);
        });
        child.stdin.on('error', () => {
            // The command exited without reading its input (EPIPE); its exit status tells what happened.
        });
        child.stdin.end(options.input ?? '');
        const stop = () => {
            signalGroup(child.pid, 'SIGTERM', posix, child);
            killTimer = setTimeout(() => signalGroup(child.pid, 'SIGKILL', posix, child), KILL_GRACE_MS);
            killTimer.unref();
        };
        const onAbort = () => {
            cancelled = true;
            stop();
        };
        options.signal?.addEventListener('abort', onAbort, { once: true });
        const timeout = options.timeoutMs === undefined
            ? undefined
            : setTimeout(() => {
                timedOut = true;
                stop();
            }, options.timeoutMs);
        const cleanup = () => {
            options.signal?.removeEventListener('abort', onAbort);
            if (timeout)
                clearTimeout(timeout);
            if (killTimer)
                clearTimeout(killTimer);
        };
        child.on('error', (error) => {
            cleanup();
            if (error.code === 'ENOENT') {
                reject(new ExecNotFoundError(`${file} was not found on PATH`, {
                    hint: options.notFoundHint ?? `Install ${file} on the runner, or use a runner image that has it.`,
                    cause: error,
                }));
                return;
            }
            reject(new errors/* ActionError */.lZ(`${file} could not be started: ${error.message}`, { cause: error }));
        });
        child.on('close', (code, signal) => {
            cleanup();
            const signalNumber = signal ? (external_node_os_.constants.signals[signal] ?? 0) : 0;
            resolve({
                status: code ?? 128 + signalNumber,
                exitCode: code,
                signal,
                stdout,
                stderr,
                durationMs: Date.now() - started,
                timedOut,
                cancelled,
            });
        });
    });
}
function signalGroup(pid, signal, posix, child) {
    try {
        if (posix && pid !== undefined)
            process.kill(-pid, signal);
        else
            child.kill(signal);
    }
    catch {
        // Already gone.
    }
}

;// CONCATENATED MODULE: ./actions/lib/docker.ts
// Docker through the CLI: a private DOCKER_CONFIG for one step (the registry password never lands in the
// user's ~/.docker, and is removed afterwards), `docker login --password-stdin`, and `docker buildx build`
// whose result (the pushed digest) is read from buildx's metadata file.





const DOCKER = 'docker';
const NOT_FOUND = 'docker is not on PATH: use a runner with Docker (ubuntu-latest has it), or install it first.';
/**
 * A DOCKER_CONFIG in a fresh folder under `tempRoot` (RUNNER_TEMP): the user's config.json is carried over
 * (other registries' logins, e.g. Docker Hub for base images) minus any credential store, so the ECR login
 * is written to this folder only; buildx keeps using the user's builders (BUILDX_CONFIG) and CLI plugins.
 */
function createDockerSession(tempRoot, registry) {
    const original = process.env.DOCKER_CONFIG || (0,external_node_path_.join)((0,external_node_os_.homedir)(), '.docker');
    const configDir = (0,external_node_fs_.mkdtempSync)((0,external_node_path_.join)(tempRoot || (0,external_node_os_.tmpdir)(), 'docker-config-'));
    const config = readJson((0,external_node_path_.join)(original, 'config.json')) ?? {};
    delete config.credsStore;
    const helpers = config.credHelpers;
    if (helpers && registry)
        delete helpers[registry];
    (0,external_node_fs_.writeFileSync)((0,external_node_path_.join)(configDir, 'config.json'), JSON.stringify(config, null, 2), { mode: 0o600 });
    const plugins = (0,external_node_path_.join)(original, 'cli-plugins');
    if ((0,external_node_fs_.existsSync)(plugins)) {
        try {
            (0,external_node_fs_.symlinkSync)(plugins, (0,external_node_path_.join)(configDir, 'cli-plugins'), 'dir');
        }
        catch {
            // Plugins installed system-wide are found anyway.
        }
    }
    const env = {
        ...process.env,
        DOCKER_CONFIG: configDir,
        BUILDX_CONFIG: process.env.BUILDX_CONFIG || (0,external_node_path_.join)(original, 'buildx'),
    };
    for (const name of Object.keys(env))
        if (name.startsWith('INPUT_'))
            delete env[name];
    return {
        configDir,
        env,
        dispose: () => (0,external_node_fs_.rmSync)(configDir, { recursive: true, force: true }),
    };
}
function readJson(path) {
    try {
        const value = JSON.parse((0,external_node_fs_.readFileSync)(path, 'utf8'));
        return value && typeof value === 'object' ? value : undefined;
    }
    catch {
        return undefined;
    }
}
/** `docker buildx version`; an ActionError when docker or the buildx plugin is missing. */
async function buildxVersion(env = process.env, signal) {
    const result = await execFile(DOCKER, ['buildx', 'version'], {
        env,
        signal,
        stream: false,
        notFoundHint: NOT_FOUND,
    });
    if (result.status !== 0) {
        throw new errors/* ActionError */.lZ(`docker buildx is not available: ${lastLine(result.stderr || result.stdout)}`, {
            hint: 'Run docker/setup-buildx-action before this step (it installs buildx and creates a builder).',
        });
    }
    return result.stdout.trim();
}
/** `docker login --username … --password-stdin <registry>`: the password goes through stdin, never argv. */
async function dockerLogin(session, login, signal) {
    const result = await execFile(DOCKER, ['login', '--username', login.username, '--password-stdin', login.registry], {
        env: session.env,
        input: login.password,
        signal,
        stream: false,
        notFoundHint: NOT_FOUND,
    });
    if (result.status !== 0) {
        throw new errors/* ActionError */.lZ(`docker login to ${login.registry} failed: ${lastLine(result.stderr || result.stdout)}`, {
            hint: 'Check the runner can reach the registry (proxy, VPC endpoints) and that the role may call ecr:GetAuthorizationToken.',
            details: tail(result),
        });
    }
}
/**
 * The `docker buildx build` arguments. Attestations are set deliberately: a single-platform build gets
 * `--provenance=false --sbom=false` so the pushed artifact is one image manifest (BuildKit would otherwise
 * wrap it in an index with an attestation manifest); a multi-platform build is an index anyway and keeps
 * BuildKit's minimal provenance.
 */
function buildxArgs(options) {
    const args = ['buildx', 'build'];
    if (options.push)
        args.push('--push');
    args.push('--metadata-file', options.metadataFile);
    args.push('--platform', options.platforms.join(','));
    if (options.platforms.length === 1)
        args.push('--provenance=false', '--sbom=false');
    else
        args.push('--provenance=mode=min', '--sbom=false');
    if (options.dockerfile)
        args.push('--file', options.dockerfile);
    for (const tag of options.tags)
        args.push('--tag', tag);
    for (const [name, value] of options.buildArgs)
        args.push('--build-arg', `${name}=${value}`);
    for (const [name, value] of options.labels ?? [])
        args.push('--label', `${name}=${value}`);
    if (options.cacheFrom)
        args.push('--cache-from', options.cacheFrom);
    if (options.cacheTo)
        args.push('--cache-to', options.cacheTo);
    args.push(options.context);
    return args;
}
/** Runs `docker buildx build` with live output; an ActionError describing the failure if it fails. */
async function buildxBuild(session, options, signal) {
    const exec = await execFile(DOCKER, buildxArgs(options), {
        env: session.env,
        signal,
        captureLimit: 256 * 1024,
        notFoundHint: NOT_FOUND,
    });
    if (exec.cancelled)
        throw new errors/* ActionError */.lZ('the build was cancelled');
    if (exec.status !== 0)
        throw describeBuildFailure(exec);
    const metadata = readJson(options.metadataFile) ?? {};
    const digest = typeof metadata['containerimage.digest'] === 'string' ? metadata['containerimage.digest'] : undefined;
    return { digest, metadata, exec };
}
/** What went wrong in a failed build, from buildx's output: an immutable tag, a denied push, or the last error. */
function describeBuildFailure(exec) {
    const output = `${exec.stderr}\n${exec.stdout}`;
    const immutable = /tag invalid: The image tag '([^']+)' already exists in the '([^']+)' repository and cannot be overwritten because the (?:repository|tag) is immutable/i.exec(output);
    if (immutable) {
        const [, tag, repository] = immutable;
        return new errors/* ActionError */.lZ(`tag ${tag} already exists in immutable repository ${repository}: the push was refused`, {
            hint: tag === 'buildcache'
                ? 'The registry cache tag must be mutable: exclude it from tag immutability (see the README), or use cache: gha.'
                : 'Use a new tag (e.g. the commit SHA), or delete the image that has this tag.',
            details: codeTail(output),
        });
    }
    if (/\b(401 Unauthorized|403 Forbidden|denied:|no basic auth credentials|authorization token has expired)/i.test(output)) {
        return new errors/* ActionError */.lZ(`docker buildx build could not push: ${lastError(output)}`, {
            hint: 'The role needs ecr:InitiateLayerUpload, ecr:UploadLayerPart, ecr:CompleteLayerUpload, ecr:PutImage and ecr:BatchCheckLayerAvailability on the repository (see the README).',
            details: codeTail(output),
        });
    }
    return new errors/* ActionError */.lZ(`docker buildx build failed (exit status ${exec.status}): ${lastError(output)}`, {
        hint: 'The build output above shows the failing step.',
        details: codeTail(output),
    });
}
function lastError(output) {
    const lines = output.split('\n').map((l) => l.trim());
    const error = [...lines].reverse().find((l) => /^(ERROR|error)\b|failed to solve/.test(l));
    return (error ?? lastLine(output)).replace(/^ERROR:\s*/, '').slice(0, 500);
}
function lastLine(text) {
    return (text
        .split('\n')
        .map((l) => l.trim())
        .reverse()
        .find(Boolean) ?? 'no output');
}
function tail(result) {
    return codeTail(`${result.stderr}\n${result.stdout}`);
}
function codeTail(output) {
    const lines = output.trimEnd().split('\n').slice(-25).join('\n');
    return `\`\`\`text\n${lines.replace(/```/g, "'''")}\n\`\`\``;
}


/***/ })

};
