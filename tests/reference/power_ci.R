# Fixture for engagesurvey.power.mc_ci, the Monte Carlo CI of a simulated power hits/reps:
# method "wilson" is the Wilson score interval prop.test(h, n, correct = FALSE)$conf.int, method "exact"
# the Clopper-Pearson interval binom.test(h, n)$conf.int. Run from tests/reference/: Rscript power_ci.R
library(jsonlite)
cases <- expand.grid(hits = c(0, 1, 37, 80, 99, 100), reps = 100, level = c(0.95, 0.9))
cases <- rbind(cases, data.frame(hits = c(0, 3, 412, 1000), reps = 1000, level = 0.95))
ci <- function(f) t(mapply(function(h, n, l) f(h, n, l), cases$hits, cases$reps, cases$level))
w <- ci(function(h, n, l) prop.test(h, n, conf.level = l, correct = FALSE)$conf.int)
e <- ci(function(h, n, l) binom.test(h, n, conf.level = l)$conf.int)
res <- list(hits = cases$hits, reps = cases$reps, level = cases$level,
            wilson_lower = w[, 1], wilson_upper = w[, 2], exact_lower = e[, 1], exact_upper = e[, 2])
write_json(res, "power_ci.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
