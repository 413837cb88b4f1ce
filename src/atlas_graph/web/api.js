// The explorer's only door to atlas-graph: same-origin fetches with the caller's key, errors from the API's error body.

/** An answer that is not 2xx, in the terms of the API's error body {"error": {"code", "message", "problems"}}. */
export class ApiError extends Error {
  constructor({ status, code, message, problems = [], requestId = null, retryAfter = null }) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.problems = problems;
    this.requestId = requestId;
    this.retryAfter = retryAfter;
  }

  /** A one-line title such as "403 forbidden". */
  get title() {
    return this.status ? `${this.status} ${this.code}` : this.code;
  }
}

/** Where a problem lies, as the API's location list reads to a person: "query → max_hops". */
export function describeLocation(location) {
  return (location || []).map(String).join(' → ');
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export class Api {
  /** @param {() => string | null} getKey where the API key is kept (session storage) */
  constructor(getKey) {
    this.getKey = getKey;
  }

  /** GET with query parameters; arrays are sent as repeated parameters. */
  get(path, params = {}) {
    return this.request('GET', path, { params });
  }

  post(path, body, params = {}) {
    return this.request('POST', path, { body, params });
  }

  async request(method, path, { body, params = {} } = {}) {
    const url = new URL(path, window.location.origin);
    for (const [name, value] of Object.entries(params)) {
      if (value === undefined || value === null || value === '') continue;
      for (const item of Array.isArray(value) ? value : [value]) url.searchParams.append(name, String(item));
    }
    const headers = { Accept: 'application/json' };
    const key = this.getKey();
    if (key) headers.Authorization = `Bearer ${key}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let response;
    try {
      response = await fetch(url, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        cache: 'no-store',
        credentials: 'omit',
      });
    } catch (error) {
      throw new ApiError({ status: 0, code: 'network_error', message: `Could not reach atlas-graph: ${error.message}` });
    }
    const text = await response.text();
    let data = null;
    try {
      data = text ? JSON.parse(text) : null;
    } catch {
      data = null;
    }
    if (!response.ok) {
      const detail = data && typeof data === 'object' && data.error ? data.error : null;
      throw new ApiError({
        status: response.status,
        code: detail?.code ?? 'http_error',
        message: detail?.message ?? `${response.status} ${response.statusText || 'error'} (no error body)`,
        problems: Array.isArray(detail?.problems) ? detail.problems : [],
        requestId: data?.request_id ?? response.headers.get('X-Request-ID'),
        retryAfter: response.headers.get('Retry-After'),
      });
    }
    return { status: response.status, data };
  }

  /**
   * An analysis answer: the result at once (200), or, for a 202, the job's result once it has succeeded.
   * `onProgress(fraction, status, jobId)` is told each poll so that a progress bar (and its Cancel) can follow.
   */
  async analysis(answer, onProgress, { interval = 300 } = {}) {
    if (answer.status !== 202) return answer.data;
    const jobId = answer.data.job_id;
    onProgress(answer.data.progress ?? 0, answer.data.status, jobId);
    for (;;) {
      await sleep(interval);
      const { data: job } = await this.get(`/v1/analysis/jobs/${encodeURIComponent(jobId)}`);
      onProgress(job.progress ?? 0, job.status, jobId);
      if (job.status === 'succeeded') return job.result;
      if (job.status === 'failed') {
        throw new ApiError({ status: 0, code: 'job_failed', message: `The analysis job ${jobId} failed: ${job.error ?? 'no reason given'}` });
      }
      if (job.status === 'cancelled') {
        throw new ApiError({ status: 0, code: 'job_cancelled', message: `The analysis job ${jobId} was cancelled.` });
      }
    }
  }

  /** Cancel a job of the caller's organization: a poll of `analysis` then ends with a 'job_cancelled' error. */
  cancelJob(jobId) {
    return this.request('DELETE', `/v1/analysis/jobs/${encodeURIComponent(jobId)}`);
  }
}
