namespace MatrixGrokker.Strassen;

/// <summary>
/// The parameters θ = (U, V, W) of a bilinear rule as one flat array, with the exact losses and gradients the discovery
/// needs. Layout: U[r,i] at r·d + i, V[r,j] at R·d + r·d + j, W[k,r] at 2·R·d + k·R + r. Pruned slots stay zero.
/// </summary>
internal sealed class BilinearState
{
    private readonly double[] _target;
    private readonly double[] _p;
    private readonly double[] _e;
    private readonly bool[] _active;

    public BilinearState(int blockSize, int slots)
    {
        N = blockSize;
        D = blockSize * blockSize;
        R = slots;
        Theta = new double[3 * R * D];
        _active = Enumerable.Repeat(true, R).ToArray();
        _target = new double[D * D * D];
        for (var i = 0; i < D; i++)
        {
            for (var j = 0; j < D; j++)
            {
                for (var k = 0; k < D; k++)
                {
                    _target[(((i * D) + j) * D) + k] = BrentVerifier.ProductTensor(N, i, j, k);
                }
            }
        }

        _p = new double[D * D * D];
        _e = new double[D * D];
    }

    public int N { get; }

    public int D { get; }

    public int R { get; }

    public double[] Theta { get; }

    public int ActiveCount => _active.Count(a => a);

    private int VOffset => R * D;

    private int WOffset => 2 * R * D;

    public static double Gaussian(Random random)
    {
        // Box–Muller; 1 − NextDouble() lies in (0, 1], so the log is finite.
        var u1 = 1.0 - random.NextDouble();
        var u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    public void Initialise(Random random, double std, bool symmetric)
    {
        for (var x = 0; x < Theta.Length; x++)
        {
            Theta[x] = std * Gaussian(random);
        }

        if (symmetric)
        {
            Array.Copy(Theta, 0, Theta, VOffset, R * D);
        }
    }

    /// <summary>Residual Σ(P − T)² and its gradient (added to <paramref name="grad"/>).</summary>
    public double ResidualGradient(double[] grad)
    {
        var residual = FillDifference();
        var (d, t, vo, wo) = (D, Theta, VOffset, WOffset);
        for (var r = 0; r < R; r++)
        {
            if (!_active[r])
            {
                continue;
            }

            // E[i,j] = Σ_k D[i,j,k]·W[k,r] feeds both dU and dV.
            for (var ij = 0; ij < d * d; ij++)
            {
                double s = 0;
                for (var k = 0; k < d; k++)
                {
                    s += _p[(ij * d) + k] * t[wo + (k * R) + r];
                }

                _e[ij] = s;
            }

            for (var i = 0; i < d; i++)
            {
                double gu = 0;
                double gv = 0;
                for (var j = 0; j < d; j++)
                {
                    gu += _e[(i * d) + j] * t[vo + (r * d) + j];
                    gv += _e[(j * d) + i] * t[(r * d) + j];
                }

                grad[(r * d) + i] += 2 * gu;
                grad[vo + (r * d) + i] += 2 * gv;
            }

            for (var k = 0; k < d; k++)
            {
                double gw = 0;
                for (var i = 0; i < d; i++)
                {
                    var ui = t[(r * d) + i];
                    if (ui == 0)
                    {
                        continue;
                    }

                    for (var j = 0; j < d; j++)
                    {
                        gw += ui * t[vo + (r * d) + j] * _p[(((i * d) + j) * d) + k];
                    }
                }

                grad[wo + (k * R) + r] += 2 * gw;
            }
        }

        return residual;
    }

    /// <summary>Mean over a fresh batch of ‖W((U·a) ⊙ (V·b)) − A·B‖² and its gradient (added to <paramref name="grad"/>).</summary>
    public double SampledGradient(GaussianBatch batch, double[] grad)
    {
        batch.Draw();
        var (d, t, vo, wo) = (D, Theta, VOffset, WOffset);
        Span<double> x = stackalloc double[R];
        Span<double> y = stackalloc double[R];
        Span<double> e = stackalloc double[d];
        double loss = 0;
        var scale = 2.0 / batch.Size;
        for (var s = 0; s < batch.Size; s++)
        {
            for (var r = 0; r < R; r++)
            {
                double xs = 0;
                double ys = 0;
                if (_active[r])
                {
                    for (var i = 0; i < d; i++)
                    {
                        xs += t[(r * d) + i] * batch.A[s, i];
                        ys += t[vo + (r * d) + i] * batch.B[s, i];
                    }
                }

                x[r] = xs;
                y[r] = ys;
            }

            for (var k = 0; k < d; k++)
            {
                var c = -batch.C[s, k];
                for (var r = 0; r < R; r++)
                {
                    c += t[wo + (k * R) + r] * x[r] * y[r];
                }

                e[k] = c;
                loss += c * c;
            }

            for (var r = 0; r < R; r++)
            {
                if (!_active[r])
                {
                    continue;
                }

                double gp = 0;
                for (var k = 0; k < d; k++)
                {
                    gp += t[wo + (k * R) + r] * e[k];
                    grad[wo + (k * R) + r] += scale * e[k] * x[r] * y[r];
                }

                var gx = scale * gp * y[r];
                var gy = scale * gp * x[r];
                for (var i = 0; i < d; i++)
                {
                    grad[(r * d) + i] += gx * batch.A[s, i];
                    grad[vo + (r * d) + i] += gy * batch.B[s, i];
                }
            }
        }

        return loss / batch.Size;
    }

    /// <summary>Adds the L1 and rounding penalties of the live coefficients to the gradient; returns their value.</summary>
    public double AddPenalties(double[] grad, double l1, double rounding)
    {
        if (l1 == 0 && rounding == 0)
        {
            return 0;
        }

        double value = 0;
        for (var x = 0; x < Theta.Length; x++)
        {
            if (!IsLive(x))
            {
                continue;
            }

            var theta = Theta[x];
            // The target is the nearest value in {−1, 0, 1}, the set the rule is clamped to at the end.
            var off = theta - Math.Clamp(Math.Round(theta), -1, 1);
            value += (l1 * Math.Abs(theta)) + (rounding * off * off);
            grad[x] += (l1 * Math.Sign(theta)) + (2 * rounding * off);
        }

        return value;
    }

    public double Residual() => FillDifference();

    /// <summary>δ = max|θ − round θ| over the live coefficients.</summary>
    public double Delta()
    {
        double delta = 0;
        for (var x = 0; x < Theta.Length; x++)
        {
            if (IsLive(x))
            {
                delta = Math.Max(delta, Math.Abs(Theta[x] - Math.Round(Theta[x])));
            }
        }

        return delta;
    }

    /// <summary>Keeps the <paramref name="keep"/> slots with the largest ‖U_r‖·‖V_r‖·‖W_:,r‖ and zeroes the rest.</summary>
    public void PruneTo(int keep)
    {
        var importance = new double[R];
        for (var r = 0; r < R; r++)
        {
            double nu = 0, nv = 0, nw = 0;
            for (var i = 0; i < D; i++)
            {
                nu += Theta[(r * D) + i] * Theta[(r * D) + i];
                nv += Theta[VOffset + (r * D) + i] * Theta[VOffset + (r * D) + i];
                nw += Theta[WOffset + (i * R) + r] * Theta[WOffset + (i * R) + r];
            }

            importance[r] = _active[r] ? Math.Sqrt(nu * nv * nw) : -1;
        }

        foreach (var r in Enumerable.Range(0, R).OrderBy(r => importance[r]).Take(Math.Max(0, ActiveCount - keep)).ToArray())
        {
            _active[r] = false;
        }

        for (var x = 0; x < Theta.Length; x++)
        {
            if (!IsLive(x))
            {
                Theta[x] = 0;
            }
        }
    }

    /// <summary>The live slots as a rule.</summary>
    public BilinearAlgorithm ToAlgorithm()
    {
        var slots = Enumerable.Range(0, R).Where(r => _active[r]).ToArray();
        var u = new double[slots.Length, D];
        var v = new double[slots.Length, D];
        var w = new double[D, slots.Length];
        for (var s = 0; s < slots.Length; s++)
        {
            for (var i = 0; i < D; i++)
            {
                u[s, i] = Theta[(slots[s] * D) + i];
                v[s, i] = Theta[VOffset + (slots[s] * D) + i];
                w[i, s] = Theta[WOffset + (i * R) + slots[s]];
            }
        }

        return new BilinearAlgorithm(u, v, w);
    }

    private bool IsLive(int x)
    {
        var r = x < WOffset ? (x % (R * D)) / D : (x - WOffset) % R;
        return _active[r];
    }

    // Fills _p with P − T and returns Σ(P − T)².
    private double FillDifference()
    {
        var (d, t, vo, wo) = (D, Theta, VOffset, WOffset);
        Array.Copy(_target, _p, _p.Length);
        for (var x = 0; x < _p.Length; x++)
        {
            _p[x] = -_p[x];
        }

        for (var r = 0; r < R; r++)
        {
            if (!_active[r])
            {
                continue;
            }

            for (var i = 0; i < d; i++)
            {
                var ui = t[(r * d) + i];
                for (var j = 0; j < d; j++)
                {
                    var uv = ui * t[vo + (r * d) + j];
                    var row = ((i * d) + j) * d;
                    for (var k = 0; k < d; k++)
                    {
                        _p[row + k] += uv * t[wo + (k * R) + r];
                    }
                }
            }
        }

        double sum = 0;
        foreach (var x in _p)
        {
            sum += x * x;
        }

        return sum;
    }
}
