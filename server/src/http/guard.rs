//! Refuses cross-site state-changing requests (POST, PUT, PATCH, DELETE): the
//! browser's `Sec-Fetch-Site` says where a request came from; older browsers send
//! `Origin` instead, which must then name this host. Together with SameSite=Strict
//! session cookies this stops cross-site request forgery without a token.

use axum::{
    extract::Request,
    http::{HeaderMap, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};

pub async fn same_origin_only(request: Request, next: Next) -> Response {
    if changes_state(request.method()) && is_cross_site(request.headers()) {
        tracing::warn!(
            method = %request.method(),
            path = request.uri().path(),
            "refused a cross-site request"
        );
        return (
            StatusCode::FORBIDDEN,
            "cross-site request refused: submit the form from Quotaboard itself",
        )
            .into_response();
    }
    next.run(request).await
}

fn changes_state(method: &Method) -> bool {
    !matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    )
}

fn is_cross_site(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site") {
        // `none` is a user typing the URL or a bookmark; `same-site` is a sibling
        // subdomain, which may be another tenant's app: refuse it too.
        return !matches!(site.as_bytes(), b"same-origin" | b"none");
    }
    let Some(origin) = headers.get(header::ORIGIN) else {
        // Neither header: not a browser (curl, the CLI's scripts, tests). Browsers
        // that lack Sec-Fetch-Site send Origin on every cross-site POST.
        return false;
    };
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let origin_host = origin
        .to_str()
        .ok()
        .and_then(|o| o.split_once("://"))
        .map(|(_, rest)| rest.trim_end_matches('/'));
    match (origin_host, host) {
        (Some(origin_host), Some(host)) => !origin_host.eq_ignore_ascii_case(host),
        // `Origin: null` (sandboxed frames, some redirects) or garbage.
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn fetch_metadata_decides_when_present() {
        assert!(is_cross_site(&headers(&[("sec-fetch-site", "cross-site")])));
        assert!(is_cross_site(&headers(&[("sec-fetch-site", "same-site")])));
        assert!(!is_cross_site(&headers(&[(
            "sec-fetch-site",
            "same-origin"
        )])));
        // Present Sec-Fetch-Site wins over Origin.
        assert!(!is_cross_site(&headers(&[
            ("sec-fetch-site", "same-origin"),
            ("origin", "http://evil.example"),
            ("host", "quota.example"),
        ])));
    }

    #[test]
    fn origin_must_match_host_when_fetch_metadata_is_absent() {
        assert!(is_cross_site(&headers(&[
            ("origin", "http://evil.example"),
            ("host", "quota.example")
        ])));
        assert!(!is_cross_site(&headers(&[
            ("origin", "https://quota.example:8443"),
            ("host", "quota.example:8443")
        ])));
        assert!(is_cross_site(&headers(&[
            ("origin", "null"),
            ("host", "quota.example")
        ])));
        assert!(!is_cross_site(&headers(&[])));
    }
}
