# Closed-form power (pwr-package formulas written out in base R) for engagesurvey.power_closed.
# Run from tests/reference: Rscript power_closed.R  -> power_closed.json
fisher <- function(r, n, alpha = 0.05) {
  z <- abs(atanh(r)) * sqrt(n - 3); zc <- qnorm(1 - alpha / 2)
  pnorm(z - zc) + pnorm(-z - zc)
}
f2power <- function(f2, n, k, u = 1, alpha = 0.05) {
  v <- n - k - 1; 1 - pf(qf(1 - alpha, u, v), u, v, ncp = f2 * n)
}
tpow <- function(ncp, df, alpha = 0.05) {
  tc <- qt(1 - alpha / 2, df); pt(tc, df, ncp = ncp, lower.tail = FALSE) + pt(-tc, df, ncp = ncp)
}
twogroup <- function(d, n, alpha = 0.05) tpow(d * sqrt(n / 2), 2 * n - 2, alpha)
cluster <- function(d, J, m, icc, r = 0, alpha = 0.05) {
  tau <- icc + (1 - icc) / m
  tpow(d / sqrt(2 * tau * (1 - r^2) / J), 2 * J - 2 - (r != 0), alpha)
}
x <- list(
  fisher = lapply(list(c(.2, 150), c(.1, 500), c(-.3, 60), c(.5, 20)), function(p)
    list(r = p[1], n = p[2], power = fisher(p[1], p[2]))),
  regression = lapply(list(c(.04 / .76, 150, 4), c(.02, 400, 1), c(.15, 60, 6)), function(p)
    list(f2 = p[1], n = p[2], k = p[3], power = f2power(p[1], p[2], p[3]))),
  twogroup = lapply(list(c(.3, 176), c(.2, 394), c(.5, 64)), function(p)
    list(d = p[1], n = p[2], power = twogroup(p[1], p[2]))),
  cluster = lapply(list(c(.3, 33, 10, .1, 0), c(.2, 75, 10, .1, 0), c(.3, 20, 15, .05, .5)), function(p)
    list(d = p[1], J = p[2], m = p[3], icc = p[4], r = p[5], power = cluster(p[1], p[2], p[3], p[4], p[5])))
)
jsonlite::write_json(x, "power_closed.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
