using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Extensions.Http;
using Polly.Timeout;

namespace RunDashboard.Core.WandB;

/// <summary>The resilience of the W&amp;B client: per-request timeout, retries with backoff and jitter on 5xx and timeouts, a circuit breaker.</summary>
public static class WandbHttp
{
    public static IServiceCollection AddWandbClient(this IServiceCollection services)
    {
        services.AddSingleton<WandbRequestCounter>();
        services.AddTransient<CountingHandler>();
        // One breaker for the process: it must remember failures across requests and clients.
        services.AddSingleton(sp => CircuitBreaker(sp.GetRequiredService<IOptions<WandbOptions>>().Value));
        services.AddHttpClient<WandbClient>((sp, http) =>
            {
                var o = sp.GetRequiredService<IOptions<WandbOptions>>().Value;
                http.BaseAddress = new Uri(o.BaseUrl.TrimEnd('/') + "/");
                http.Timeout = Timeout.InfiniteTimeSpan; // the per-try Polly timeout bounds each attempt instead
                http.DefaultRequestHeaders.UserAgent.ParseAdd("RunDashboard/1.0");
            })
            .AddPolicyHandler((sp, _) => Retry(sp.GetRequiredService<IOptions<WandbOptions>>().Value))
            .AddPolicyHandler((sp, _) => sp.GetRequiredService<IAsyncPolicy<HttpResponseMessage>>())
            .AddPolicyHandler((sp, _) => Policy.TimeoutAsync<HttpResponseMessage>(sp.GetRequiredService<IOptions<WandbOptions>>().Value.RequestTimeout))
            .AddHttpMessageHandler<CountingHandler>();
        return services;
    }

    // 429 is not here: a rate limit is W&B working as intended, not failing. WandbClient waits it out against the
    // round's budget, and it must not open the circuit.
    private static PolicyBuilder<HttpResponseMessage> Transient() =>
        HttpPolicyExtensions.HandleTransientHttpError()
            .Or<TimeoutRejectedException>();

    internal static IAsyncPolicy<HttpResponseMessage> Retry(WandbOptions o) =>
        Transient().WaitAndRetryAsync(o.Retries, (attempt, outcome, _) => Delay(o, attempt, outcome.Result), (_, _, _, _) => Task.CompletedTask);

    /// <summary>What the server asked for (<c>Retry-After</c>, capped), else exponential backoff with ±25% jitter, capped the same.</summary>
    internal static TimeSpan Delay(WandbOptions o, int attempt, HttpResponseMessage? response)
    {
        var retryAfter = response?.Headers.RetryAfter;
        var asked = retryAfter?.Delta ?? (retryAfter?.Date is { } date ? date - DateTimeOffset.UtcNow : null);
        if (asked is { } wait && wait >= TimeSpan.Zero) return wait < o.MaxRetryAfter ? wait : o.MaxRetryAfter;
        var backoff = o.RetryBaseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempt - 1, 30));
        var jittered = TimeSpan.FromMilliseconds(backoff * (0.75 + Random.Shared.NextDouble() * 0.5));
        return jittered < o.MaxRetryAfter ? jittered : o.MaxRetryAfter;
    }

    private static IAsyncPolicy<HttpResponseMessage> CircuitBreaker(WandbOptions o) =>
        Transient().CircuitBreakerAsync(o.BreakAfter, o.BreakFor);
}
