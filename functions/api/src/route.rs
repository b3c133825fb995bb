//! Routing on the path alone, so one handler serves API Gateway (with or without a stage prefix)
//! and a local server alike.

use crate::ApiError;
use lambda_http::http::Method;

/// Matches the end of `path` against `pattern` (e.g. `/v1/campaigns/{}/claims`), where `{}`
/// stands for one non-empty segment, and returns those segments. Anything before the match (an
/// API Gateway stage such as `/prod`) is ignored, as is one trailing `/`.
pub fn match_route<'a>(path: &'a str, pattern: &str) -> Option<Vec<&'a str>> {
    let path = path.strip_suffix('/').unwrap_or(path);
    let want: Vec<&str> = pattern.trim_matches('/').split('/').collect();
    let got: Vec<&str> = path.split('/').collect();
    // The first segment of an absolute path is the empty one before its leading `/`.
    if got.len() <= want.len() {
        return None;
    }
    let tail = &got[got.len() - want.len()..];
    let mut params = Vec::new();
    for (w, g) in want.iter().zip(tail) {
        match *w {
            "{}" if !g.is_empty() => params.push(*g),
            "{}" => return None,
            w if w == *g => {}
            _ => return None,
        }
    }
    Some(params)
}

/// Refuses any method but `allowed` with 405.
pub fn require_method(method: &Method, allowed: Method) -> Result<(), ApiError> {
    if *method == allowed {
        return Ok(());
    }
    let allow = match allowed {
        Method::GET => "GET",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        _ => "POST",
    };
    Err(ApiError::MethodNotAllowed { allow })
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLAIMS: &str = "/v1/campaigns/{}/claims";

    #[test]
    fn matches_with_or_without_a_stage() {
        assert_eq!(
            match_route("/v1/campaigns/spring/claims", CLAIMS),
            Some(vec!["spring"])
        );
        assert_eq!(
            match_route("/prod/v1/campaigns/spring/claims/", CLAIMS),
            Some(vec!["spring"])
        );
        assert_eq!(
            match_route("/v1/redemptions", "/v1/redemptions"),
            Some(vec![])
        );
    }

    #[test]
    fn refuses_other_paths() {
        assert_eq!(match_route("/v1/campaigns//claims", CLAIMS), None);
        assert_eq!(match_route("/v1/campaigns/spring/claims/x", CLAIMS), None);
        assert_eq!(match_route("/v2/campaigns/spring/claims", CLAIMS), None);
        assert_eq!(match_route("campaigns/spring/claims", CLAIMS), None);
        assert_eq!(match_route("/", "/v1/redemptions"), None);
    }

    #[test]
    fn other_methods_get_405() {
        assert!(require_method(&Method::POST, Method::POST).is_ok());
        assert_eq!(
            require_method(&Method::GET, Method::POST),
            Err(ApiError::MethodNotAllowed { allow: "POST" })
        );
    }
}
