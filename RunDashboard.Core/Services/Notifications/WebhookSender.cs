using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;

namespace RunDashboard.Core.Services.Notifications;

/// <summary>
/// Posts one payload to one webhook, trying again with exponential backoff when the receiver is busy (429, honouring
/// its <c>Retry-After</c>), broken (5xx), unreachable or silent past the timeout. Other answers (400, 403, 404) mean the
/// payload or the URL is wrong: trying again would not help.
/// </summary>
public sealed class WebhookSender(HttpClient client, NotificationOptions options, TimeProvider time, ILogger logger)
{
    /// <summary>Attempts made so far, for the status of tests and logs.</summary>
    public int Attempts => Volatile.Read(ref _attempts);

    private int _attempts;

    /// <returns>Whether the receiver accepted the post.</returns>
    public async Task<bool> SendAsync(WebhookTarget target, JsonObject payload, CancellationToken cancellationToken)
    {
        var attempts = Math.Max(1, options.MaxAttempts);
        for (var attempt = 1; ; attempt++)
        {
            TimeSpan? retryAfter = null;
            string failure;
            Interlocked.Increment(ref _attempts);
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(options.Timeout);
                using var response = await client.PostAsJsonAsync(target.Url, payload, timeout.Token);
                if (response.IsSuccessStatusCode) return true;
                var status = (int)response.StatusCode;
                if (status != (int)HttpStatusCode.TooManyRequests && status < 500)
                {
                    logger.LogWarning("{Kind} webhook refused a post with {Status}; not trying again", target.Kind, status);
                    return false;
                }
                retryAfter = RetryAfter(response);
                failure = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
            catch (HttpRequestException ex)
            {
                failure = ex.Message;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                failure = $"no answer within {options.Timeout.TotalSeconds:0.#} s";
            }
            if (attempt >= attempts)
            {
                logger.LogWarning("{Kind} webhook failed {Attempts} times ({Failure}); giving up on this post", target.Kind, attempt, failure);
                return false;
            }
            var delay = Backoff(attempt, retryAfter);
            logger.LogInformation("{Kind} webhook: {Failure}; trying again in {Delay}", target.Kind, failure, delay);
            await Task.Delay(delay, time, cancellationToken);
        }
    }

    /// <summary>The wait before attempt <paramref name="attempt"/> + 1: the receiver's own wish, else 1×, 2×, 4×… the base delay.</summary>
    public TimeSpan Backoff(int attempt, TimeSpan? retryAfter)
    {
        var wait = retryAfter ?? options.RetryDelay * Math.Pow(2, Math.Min(attempt - 1, 30));
        return wait < TimeSpan.Zero ? TimeSpan.Zero : wait > options.MaxRetryDelay ? options.MaxRetryDelay : wait;
    }

    private TimeSpan? RetryAfter(HttpResponseMessage response) =>
        response.Headers.RetryAfter switch
        {
            { Delta: { } delta } => delta,
            { Date: { } date } => date - time.GetUtcNow(),
            _ => null,
        };
}
