# Fixture for engagesurvey.models.mediation on bfi scale means (data/models_bfi_scales.csv, written by
# models_regression.R): A -> C -> E (simple), A -> {C, N} -> E (parallel), A -> C -> N -> E (serial).
# (1) lm point estimates; (2) bootstrap arithmetic on deterministic resamples that Python rebuilds:
#     draw b (0-based), position i: k = b * n + i, h1 = (48271 k + 12345) mod 94906249,
#     row = (h1^2 mod 94906249 + h1) mod n (exact in doubles), with the
#     percentile CI of boot/lavaan (norm.inter) and a jackknife BCa by hand (Efron 1987);
# (3) lavaan se = "bootstrap" (its own RNG) for Monte Carlo-tolerance comparison of SE/CI;
# (4) semTools::monteCarloCI.  Run from tests/reference/: Rscript models_mediation.R
library(jsonlite); library(lavaan); library(semTools)
d <- read.csv("data/models_bfi_scales.csv")
n <- nrow(d)
norm.inter <- function(t, alpha) {          # boot:::norm.inter, as used by lavaan's "perc"
  t <- t[is.finite(t)]; R <- length(t); rk <- (R + 1) * alpha; k <- trunc(rk)
  out <- numeric(length(alpha)); ts <- sort(t)
  for (j in seq_along(alpha)) {
    if (k[j] == rk[j]) out[j] <- ts[k[j]] else if (k[j] == 0) out[j] <- ts[1] else if (k[j] >= R) out[j] <- ts[R]
    else {
      t1 <- qnorm(alpha[j]); t2 <- qnorm(k[j] / (R + 1)); t3 <- qnorm((k[j] + 1) / (R + 1))
      out[j] <- ts[k[j]] + (t1 - t2) / (t3 - t2) * (ts[k[j] + 1] - ts[k[j]])
    }
  }
  out
}
simple_ind <- function(dd) coef(lm(C ~ A, dd))[2] * coef(lm(E ~ A + C, dd))[3]
fa <- lm(C ~ A, d); fb <- lm(E ~ A + C, d); fc <- lm(E ~ A, d)
res <- list(n = n,
  simple = list(a = unname(coef(fa)[2]), b = unname(coef(fb)[3]), c_prime = unname(coef(fb)[2]),
                c = unname(coef(fc)[2]), indirect = unname(coef(fa)[2] * coef(fb)[3]),
                a_se = summary(fa)$coefficients[2, 2], b_se = summary(fb)$coefficients[3, 2],
                c_se = summary(fc)$coefficients[2, 2], c_prime_se = summary(fb)$coefficients[2, 2],
                a_p = summary(fa)$coefficients[2, 4],
                indirect_std = unname(coef(fa)[2] * coef(fb)[3] * sd(d$A) / sd(d$E))))
# covariate model: gender and age in every equation
dc <- d[complete.cases(d[, c("A", "C", "E", "gender", "age")]), ]
ga <- lm(C ~ A + gender + age, dc); gb <- lm(E ~ A + C + gender + age, dc); gc <- lm(E ~ A + gender + age, dc)
res$covariates <- list(n = nrow(dc), a = unname(coef(ga)[2]), b = unname(coef(gb)[3]),
                       c_prime = unname(coef(gb)[2]), c = unname(coef(gc)[2]))
# parallel and serial
dp <- d[complete.cases(d[, c("A", "C", "N", "E")]), ]
p1 <- lm(C ~ A, dp); p2 <- lm(N ~ A, dp); p3 <- lm(E ~ A + C + N, dp); p4 <- lm(E ~ A, dp)
res$parallel <- list(n = nrow(dp), a_C = unname(coef(p1)[2]), a_N = unname(coef(p2)[2]),
  b_C = unname(coef(p3)[3]), b_N = unname(coef(p3)[4]), c_prime = unname(coef(p3)[2]), c = unname(coef(p4)[2]),
  ind_C = unname(coef(p1)[2] * coef(p3)[3]), ind_N = unname(coef(p2)[2] * coef(p3)[4]))
s2 <- lm(N ~ A + C, dp)
res$serial <- list(a1 = unname(coef(p1)[2]), a2 = unname(coef(s2)[2]), d21 = unname(coef(s2)[3]),
  b1 = unname(coef(p3)[3]), b2 = unname(coef(p3)[4]),
  ind_1 = unname(coef(p1)[2] * coef(p3)[3]), ind_2 = unname(coef(s2)[2] * coef(p3)[4]),
  ind_12 = unname(coef(p1)[2] * coef(s2)[3] * coef(p3)[4]))
res$serial$total <- res$serial$ind_1 + res$serial$ind_2 + res$serial$ind_12

# (2) deterministic resamples
B <- 300
idx <- function(b, i, m) { k <- b * m + i; h1 <- (k * 48271 + 12345) %% 94906249; h2 <- (h1 * h1) %% 94906249; (h2 + h1) %% m }
t_simple <- sapply(0:(B - 1), function(b) simple_ind(d[idx(b, 0:(n - 1), n) + 1, ]))
jack <- sapply(1:n, function(i) simple_ind(d[-i, ]))
t0 <- res$simple$indirect
z0 <- qnorm(sum(t_simple < t0) / B); L <- mean(jack) - jack
acc <- sum(L^3) / (6 * sum(L^2)^1.5)
za <- qnorm(c(0.025, 0.975)); adj <- pnorm(z0 + (z0 + za) / (1 - acc * (z0 + za)))
res$det <- list(B = B, indirect = unname(t_simple), perc = norm.inter(t_simple, c(0.025, 0.975)),
                se = sd(t_simple), bca = norm.inter(t_simple, adj), z0 = z0, acc = acc,
                perc90 = norm.inter(t_simple, c(0.05, 0.95)))
ser_ind <- function(dd) {
  a1 <- coef(lm(C ~ A, dd))[2]; s <- coef(lm(N ~ A + C, dd)); y <- coef(lm(E ~ A + C + N, dd))
  unname(c(a1 * y[3], s[2] * y[4], a1 * s[3] * y[4]))
}
np <- nrow(dp)
ts <- t(sapply(0:99, function(b) ser_ind(dp[idx(b, 0:(np - 1), np) + 1, ])))
res$det_serial <- list(B = 100, ind_1 = ts[, 1], ind_2 = ts[, 2], ind_12 = ts[, 3])
# cluster resamples: clusters = sorted unique age; draw b, slot j takes cluster idx(b, j, G) (same hash)
ages <- sort(unique(d$age)); G <- length(ages)
tcl <- sapply(0:99, function(b) {
  pick <- ages[idx(b, 0:(G - 1), G) + 1]
  rows <- unlist(lapply(pick, function(a) which(d$age == a)))
  simple_ind(d[rows, ])
})
res$det_cluster <- list(B = 100, G = G, indirect = unname(tcl))

# (3) lavaan bootstrap
set.seed(20240501)
model <- "C ~ a*A\nE ~ b*C + cp*A\nind := a*b\ntotal := cp + a*b"
fit <- sem(model, data = d, se = "bootstrap", bootstrap = 2000, iseed = 1)
pe <- parameterEstimates(fit, boot.ci.type = "perc")
ind <- pe[pe$label == "ind", ]
std <- standardizedSolution(fit)
BOOT <- lavInspect(fit, "boot"); bind <- BOOT[, "a"] * BOOT[, "b"]; bind <- bind[is.finite(bind)]
res$lavaan <- list(B = length(bind), ind = ind$est, ind_se = sd(bind), ind_ci = c(ind$ci.lower, ind$ci.upper),
                   ind_std = std$est.std[std$label == "ind"])
fit_mc <- sem(model, data = d)
mc <- monteCarloCI(fit_mc, nRep = 100000)
res$montecarlo <- list(nrep = 100000, ci = c(mc["ind", "ci.lower"], mc["ind", "ci.upper"]))
write_json(res, "models_mediation.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
