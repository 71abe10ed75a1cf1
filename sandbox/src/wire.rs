//! TEMPORARY stand-ins for the generated models, until generated/snaptrade.rs exists.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Status {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub online: Option<bool>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct UserIDandSecret {
    #[serde(rename = "userId", skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    #[serde(rename = "userSecret", skip_serializing_if = "Option::is_none")]
    pub user_secret: Option<snaptrade::SecretString>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SnapTradeRegisterUserRequestBody {
    #[serde(rename = "userId")]
    pub user_id: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DeleteUserResponse {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    #[serde(rename = "userId", skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct LoginRedirectURI {
    #[serde(rename = "redirectURI", skip_serializing_if = "Option::is_none")]
    pub redirect_uri: Option<String>,
    #[serde(rename = "sessionId", skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SnapTradeLoginUserRequestBody {
    pub broker: Option<String>,
    pub immediate_redirect: Option<bool>,
    pub custom_redirect: Option<String>,
    pub reconnect: Option<String>,
    pub connection_type: Option<String>,
    pub show_close_button: Option<bool>,
    pub dark_mode: Option<bool>,
    pub locale: Option<String>,
    pub connection_portal_version: Option<String>,
}
